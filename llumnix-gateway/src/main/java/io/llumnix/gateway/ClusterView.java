package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InstanceStatus;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.DispatchLedger;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the cluster looks like right now, for people: the instances with their queues and KV usage, as shown by
 * {@code GET /api/cluster}, the {@code /dashboard} page and {@code llumnix status}. The gateway takes a
 * {@code Supplier<ClusterView>} and calls it once per request to those routes; {@link #of(Scheduler)} reads an
 * in-process scheduler's latest snapshot and dispatch ledger, {@link #empty()} is the default for a gateway that
 * knows nothing about the cluster.
 *
 * <p>Immutable and thread-safe.
 *
 * @param takenAtMs when the underlying snapshot was taken (wall clock; 0 when there is none)
 * @param instances every known instance, in instance id order
 */
public record ClusterView(long takenAtMs, List<Instance> instances) {

    /**
     * One instance.
     *
     * @param instanceId the instance
     * @param url its API address
     * @param model the model it serves; empty when unknown
     * @param role {@code neutral}, or {@code prefill} / {@code decode} with prefill/decode disaggregation
     * @param reporting whether it publishes its load (full mode); without it only {@code dispatched} is known
     * @param schedulable false while it drains or stops (always true when not reporting)
     * @param waitingRequests requests queued in the engine, not yet admitted
     * @param runningRequests requests in the running batch
     * @param loadingRequests requests arriving by migration
     * @param dispatchedRequests requests the scheduler sent there and has not seen finish (its ledger)
     * @param usedTokens KV tokens held by live sequences
     * @param totalTokens KV capacity in tokens
     * @param stepDurationMs duration of the last engine step
     * @param migrateInSlots free migrate-in slots
     * @param migrateOutSlots free migrate-out slots
     */
    public record Instance(
            String instanceId,
            String url,
            String model,
            String role,
            boolean reporting,
            boolean schedulable,
            int waitingRequests,
            int runningRequests,
            int loadingRequests,
            long dispatchedRequests,
            long usedTokens,
            long totalTokens,
            double stepDurationMs,
            int migrateInSlots,
            int migrateOutSlots) {

        public Instance {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(url, "url is null");
            requireNonNull(model, "model is null");
            requireNonNull(role, "role is null");
        }

        /** KV usage in percent of capacity; 0 without a capacity. */
        public double kvUsagePercent() {
            return totalTokens <= 0 ? 0 : 100.0 * usedTokens / totalTokens;
        }
    }

    private static final ClusterView EMPTY = new ClusterView(0, List.of());

    public ClusterView {
        instances = List.copyOf(instances);
    }

    /** No instances. */
    public static ClusterView empty() {
        return EMPTY;
    }

    /** Reads the scheduler's current snapshot and ledger on every call. */
    public static Supplier<ClusterView> of(Scheduler scheduler) {
        requireNonNull(scheduler, "scheduler is null");
        return () -> of(scheduler.snapshot(), scheduler.ledger());
    }

    /** The view of one snapshot, with the ledger's requests in flight per instance. */
    public static ClusterView of(ClusterSnapshot snapshot, DispatchLedger ledger) {
        List<Instance> instances = snapshot.instances().stream().map(v -> instance(v, ledger)).toList();
        return new ClusterView(snapshot.takenAtMs(), instances);
    }

    private static Instance instance(InstanceView v, DispatchLedger ledger) {
        InstanceMetadata m = v.metadata();
        String host = m.host().contains(":") ? "[" + m.host() + "]" : m.host();
        String url = "http://" + host + ":" + m.apiPort();
        long dispatched = ledger.inFlightRequests(m.instanceId());
        String role = m.inferType().name().toLowerCase(java.util.Locale.ROOT);
        if (v.status().isEmpty()) {
            return new Instance(m.instanceId(), url, m.modelName(), role, false, true, 0, 0, 0, dispatched, 0, 0, 0, 0, 0);
        }
        InstanceStatus s = v.status().get();
        return new Instance(m.instanceId(), url, m.modelName(), role, true, s.schedulable(), s.numWaitingRequests(), s.numRunningRequests(),
                s.numLoadingRequests(), dispatched, s.numUsedTokens(), s.numTotalTokens(), s.stepDurationMs(), s.numMigrateInSlots(),
                s.numMigrateOutSlots());
    }
}
