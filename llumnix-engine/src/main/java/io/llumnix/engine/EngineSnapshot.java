package io.llumnix.engine;

import java.util.List;

/**
 * An immutable picture of one engine after a step: queues, KV usage and cumulative counters. Published by
 * the step thread after every step; read by the server's metrics and by the llumlet's status publisher.
 *
 * @param stepId steps taken so far
 * @param nanoTime engine clock at the end of the step
 * @param numWaiting requests waiting for admission
 * @param numRunning requests in the running batch
 * @param numRunningDecodes running requests whose prompt is fully computed
 * @param blockSize tokens per block
 * @param numTotalBlocks KV blocks in all
 * @param numUsedBlocks blocks referenced by live sequences
 * @param numCachedFreeBlocks unreferenced blocks still holding a reusable prefix (evictable)
 * @param numFreeBlocks blocks allocatable now (free plus evictable cached)
 * @param uncomputedWaitingPrefillTokens prompt tokens of waiting requests
 * @param uncomputedRunningPrefillTokens prompt tokens of running requests not yet computed
 * @param runningDecodeTokens context tokens of running decodes
 * @param headOfLineBlocks blocks the first waiting request needs to be admitted (0 when none waits)
 * @param waitingRequestIds ids of waiting requests, in queue order
 * @param lastStepNanos duration of the last step
 * @param lastStepTokens tokens computed by the last step
 * @param prefixCacheQueryTokens cumulative prompt tokens looked up in the prefix cache
 * @param prefixCacheHitTokens cumulative prompt tokens found there
 * @param numPreemptions cumulative preemptions (by recompute)
 * @param promptTokensTotal cumulative prompt tokens of finished requests
 * @param generationTokensTotal cumulative generated tokens
 * @param requestsFinishedTotal cumulative finished requests (any reason)
 */
public record EngineSnapshot(
        long stepId,
        long nanoTime,
        int numWaiting,
        int numRunning,
        int numRunningDecodes,
        int blockSize,
        int numTotalBlocks,
        int numUsedBlocks,
        int numCachedFreeBlocks,
        int numFreeBlocks,
        long uncomputedWaitingPrefillTokens,
        long uncomputedRunningPrefillTokens,
        long runningDecodeTokens,
        int headOfLineBlocks,
        List<String> waitingRequestIds,
        long lastStepNanos,
        int lastStepTokens,
        long prefixCacheQueryTokens,
        long prefixCacheHitTokens,
        long numPreemptions,
        long promptTokensTotal,
        long generationTokensTotal,
        long requestsFinishedTotal) {

    public EngineSnapshot {
        waitingRequestIds = List.copyOf(waitingRequestIds);
    }

    /** Fraction of KV blocks referenced by live sequences, in [0, 1]. */
    public double kvUsage() {
        return numTotalBlocks == 0 ? 0.0 : (double) numUsedBlocks / numTotalBlocks;
    }
}
