package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.ErrorCode;

/** The outcome of {@link Scheduler#schedule(ScheduleRequest)}. Immutable. */
public sealed interface ScheduleDecision {

    /**
     * The request goes to {@code instance}; the ledger now counts it there until reconciled or released.
     *
     * @param instanceId where to send it
     * @param instance how to reach it
     * @param fallback true when no instance passed the soft filters (e.g. every one is above the load
     *     threshold) and the fallback pass chose
     */
    record Dispatched(String instanceId, InstanceMetadata instance, boolean fallback) implements ScheduleDecision {
        public Dispatched {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(instance, "instance is null");
        }
    }

    /** No instance can take the request; {@code reason} is fit for the user. */
    record NoInstance(String reason) implements ScheduleDecision {
        public NoInstance {
            requireNonNull(reason, "reason is null");
        }

        /** The error a front door reports: the cluster cannot take the request right now. */
        public ErrorCode code() {
            return ErrorCode.OVERLOADED;
        }
    }
}
