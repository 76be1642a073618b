package io.llumnix.scheduler.service;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The JSON messages of the scheduler service. Records; unknown fields are ignored so either side may add some. */
final class Wire {

    private Wire() {}

    record ScheduleCall(String gatewayId, String requestId, InferType targetType, int promptTokens, @Nullable List<Long> blockHashes,
            @Nullable String role, @Nullable List<String> excludedInstanceIds, int priority) {}

    /** {@code dispatched} true: {@code instanceId}, {@code instance} and {@code fallback} are set; false: {@code reason}. */
    record ScheduleReply(boolean dispatched, @Nullable String instanceId, @Nullable InstanceMetadata instance, boolean fallback,
            @Nullable String reason) {}

    record ReleaseCall(String gatewayId, String requestId) {}

    record ReleaseReply(boolean released) {}

    record KeepaliveCall(String gatewayId) {}

    record KeepaliveReply(long leaseMs, int requestsHeld) {}

    /** {@link io.llumnix.scheduler.autoscale.AutoscaleAdvice} on the wire; {@code load} null when unknown. */
    record AutoscaleReply(String action, @Nullable Double load, int instances, @Nullable String drainCandidate, long outOfRangeForMs,
            String reason, long takenAtMs) {}

    record ErrorBody(ErrorDetail error) {}

    record ErrorDetail(String message, String type, String code) {}
}
