package io.llumnix.engine;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import io.llumnix.engine.sched.RunningRequestView;
import java.util.List;

/**
 * Maps an engine's {@link EngineSnapshot} to the {@link InstanceStatus} the cluster schedules by. One mapping for
 * the llumlet (which publishes it for a real engine) and the simulator (which builds it for each simulated engine),
 * so both worlds report load identically.
 *
 * <p>Stateless and thread-safe.
 */
public final class InstanceStatuses {

    private InstanceStatuses() {}

    /**
     * The status of a schedulable instance with no high-priority usage and no recently admitted ids.
     *
     * @param migrateInSlots free migrate-in slots
     * @param migrateOutSlots free migrate-out slots
     * @param loading requests arriving by migration, not yet installed
     * @param timestampMs the publisher's clock, ms
     */
    public static InstanceStatus from(EngineSnapshot s, String instanceId, InferType inferType, String nodeId, String unitId,
            int migrateInSlots, int migrateOutSlots, int loading, long timestampMs) {
        return from(s, instanceId, inferType, nodeId, unitId, migrateInSlots, migrateOutSlots, loading, timestampMs, true, 0L,
                List.of());
    }

    /**
     * The full mapping.
     *
     * @param schedulable false while the instance drains or stops
     * @param highPriorityUsedTokens KV tokens high-priority requests hold or, while queued, need
     *     ({@link #highPriorityTokens(List, int)})
     * @param recentWaitingRequestIds ids added to the engine since the previous status, so the dispatch ledger can
     *     reconcile requests that were admitted before any status listed them as waiting
     */
    public static InstanceStatus from(EngineSnapshot s, String instanceId, InferType inferType, String nodeId, String unitId,
            int migrateInSlots, int migrateOutSlots, int loading, long timestampMs, boolean schedulable, long highPriorityUsedTokens,
            List<String> recentWaitingRequestIds) {
        requireNonNull(s, "snapshot is null");
        return new InstanceStatus(
                instanceId,
                schedulable,
                timestampMs,
                s.stepId(),
                inferType,
                unitId,
                nodeId,
                s.numWaiting(),
                s.numRunning(),
                loading,
                s.numRunningDecodes(),
                (long) s.numTotalBlocks() * s.blockSize(),
                (long) s.numUsedBlocks() * s.blockSize(),
                s.blockSize(),
                s.uncomputedWaitingPrefillTokens(),
                s.uncomputedRunningPrefillTokens(),
                s.runningDecodeTokens(),
                s.headOfLineBlocks(),
                migrateInSlots,
                migrateOutSlots,
                0L,
                highPriorityUsedTokens,
                s.waitingRequestIds(),
                recentWaitingRequestIds,
                s.lastStepNanos() / 1e6);
    }

    /**
     * The KV tokens the paper's priority headroom is reserved around: blocks held by running high-priority
     * requests, plus the blocks a queued high-priority request needs to be admitted (its whole context and the
     * next token). Counting the queued ones matters because the engine admits by free blocks and never preempts
     * for admission: a high-priority request queued behind a full cache must make its instance look occupied, so
     * that dispatch keeps normal load away and the {@code priority} rescheduler makes room, before it holds any block.
     */
    public static long highPriorityTokens(List<RunningRequestView> requests, int blockSize) {
        long blocks = 0;
        for (RunningRequestView r : requests) {
            if (r.priority() > 0) {
                blocks += r.running() ? r.numBlocks() : Math.ceilDiv(r.numTokens() + 1, blockSize);
            }
        }
        return blocks * blockSize;
    }
}
