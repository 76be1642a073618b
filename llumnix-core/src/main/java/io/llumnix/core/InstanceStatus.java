package io.llumnix.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One instance's load at one engine step, as its llumlet publishes it to the cluster meta store. Field
 * names follow Llumnix so that its users recognise them. Immutable; safe to share between threads.
 *
 * @param instanceId the instance this describes
 * @param schedulable false while the instance drains, stops or has stopped stepping
 * @param timestampMs when the snapshot was taken (the publisher's clock)
 * @param stepId the engine step the snapshot follows
 * @param inferType neutral, prefill or decode
 * @param unitId failure domain above the node (e.g. a rack or a pod group); empty when unknown
 * @param nodeId the host; empty when unknown
 * @param numWaitingRequests requests queued, not yet admitted
 * @param numRunningRequests requests in the running batch (prefilling or decoding)
 * @param numLoadingRequests requests arriving by migration, not yet installed
 * @param numRunningDecodes running requests past their prefill
 * @param numTotalTokens KV capacity in tokens (blocks × block size)
 * @param numUsedTokens KV tokens held by live sequences (cached free blocks excluded)
 * @param numBlockSize tokens per KV block
 * @param numUncomputedTokensWaitingPrefills prompt tokens of waiting requests still to compute
 * @param numUncomputedTokensRunningPrefills prompt tokens of running requests still to compute
 * @param numTokensRunningDecodes context tokens of running decodes
 * @param numWaitingHeadBlocks blocks the head-of-line waiting request needs (the paper's de-fragmentation demand)
 * @param numMigrateInSlots free migrate-in slots
 * @param numMigrateOutSlots free migrate-out slots
 * @param numMigratingTokens KV tokens currently moving in or out
 * @param numHighPriorityUsedTokens KV tokens high-priority requests hold, plus what queued ones need to be admitted
 * @param waitingRequestIds ids of all waiting requests (for dispatch-ledger reconciliation)
 * @param recentWaitingRequestIds ids admitted to waiting since the previous snapshot
 * @param stepDurationMs duration of the last engine step
 */
public record InstanceStatus(
        String instanceId,
        boolean schedulable,
        long timestampMs,
        long stepId,
        InferType inferType,
        String unitId,
        String nodeId,
        int numWaitingRequests,
        int numRunningRequests,
        int numLoadingRequests,
        int numRunningDecodes,
        long numTotalTokens,
        long numUsedTokens,
        int numBlockSize,
        long numUncomputedTokensWaitingPrefills,
        long numUncomputedTokensRunningPrefills,
        long numTokensRunningDecodes,
        int numWaitingHeadBlocks,
        int numMigrateInSlots,
        int numMigrateOutSlots,
        long numMigratingTokens,
        long numHighPriorityUsedTokens,
        List<String> waitingRequestIds,
        List<String> recentWaitingRequestIds,
        double stepDurationMs) {

    public InstanceStatus {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(inferType, "inferType is null");
        requireNonNull(unitId, "unitId is null");
        requireNonNull(nodeId, "nodeId is null");
        waitingRequestIds = List.copyOf(waitingRequestIds);
        recentWaitingRequestIds = List.copyOf(recentWaitingRequestIds);
        if (numBlockSize <= 0) {
            throw new IllegalArgumentException("numBlockSize must be positive: " + numBlockSize);
        }
    }

    /** Running plus waiting plus loading requests. */
    public int numRequests() {
        return numWaitingRequests + numRunningRequests + numLoadingRequests;
    }

    /** Free KV tokens (capacity minus used). */
    public long numFreeTokens() {
        return Math.max(0, numTotalTokens - numUsedTokens);
    }
}
