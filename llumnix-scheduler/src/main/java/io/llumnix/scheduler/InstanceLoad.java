package io.llumnix.scheduler;

import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;

/**
 * The numbers every metric reads, flattened out of an {@link InstanceView} once per snapshot so that a
 * decision over a thousand instances touches only primitive fields. Immutable.
 */
final class InstanceLoad {

    final boolean hasStatus;
    final boolean schedulable;
    final long timestampMs;
    final InferType inferType;
    final int numRequests;
    final int numWaiting;
    final int numRunning;
    final int numDecodes;
    /** KV capacity in tokens: the status's, else the metadata's, else 0 (unknown). */
    final long totalTokens;
    final long usedTokens;
    final int blockSize;
    final long waitingPrefillTokens;
    final long runningPrefillTokens;
    final long decodeTokens;
    final int headBlocks;
    final long highPriorityUsedTokens;
    final double stepMs;
    final int migrateInSlots;
    final int migrateOutSlots;

    InstanceLoad(InstanceView view) {
        InstanceStatus s = view.status().orElse(null);
        this.inferType = view.inferType();
        if (s == null) {
            hasStatus = false;
            schedulable = true;
            timestampMs = 0;
            numRequests = numWaiting = numRunning = numDecodes = 0;
            totalTokens = view.metadata().maxTokens();
            usedTokens = 0;
            blockSize = 1;
            waitingPrefillTokens = runningPrefillTokens = decodeTokens = 0;
            headBlocks = 0;
            highPriorityUsedTokens = 0;
            stepMs = 0;
            migrateInSlots = migrateOutSlots = 0;
        } else {
            hasStatus = true;
            schedulable = s.schedulable();
            timestampMs = s.timestampMs();
            numRequests = s.numRequests();
            numWaiting = s.numWaitingRequests();
            numRunning = s.numRunningRequests();
            numDecodes = s.numRunningDecodes();
            totalTokens = s.numTotalTokens() > 0 ? s.numTotalTokens() : view.metadata().maxTokens();
            usedTokens = s.numUsedTokens();
            blockSize = s.numBlockSize();
            waitingPrefillTokens = s.numUncomputedTokensWaitingPrefills();
            runningPrefillTokens = s.numUncomputedTokensRunningPrefills();
            decodeTokens = s.numTokensRunningDecodes();
            headBlocks = s.numWaitingHeadBlocks();
            highPriorityUsedTokens = s.numHighPriorityUsedTokens();
            stepMs = Double.isFinite(s.stepDurationMs()) ? Math.max(0, s.stepDurationMs()) : 0;
            migrateInSlots = s.numMigrateInSlots();
            migrateOutSlots = s.numMigrateOutSlots();
        }
    }
}
