package io.llumnix.engine.sched;

/**
 * Identifies one migration attempt of one request: if the request is preempted, finished or replaced
 * since the ticket was issued, the later steps of the migration see a stale ticket and abort.
 *
 * @param requestId the request
 * @param seqId the engine's internal sequence id at the time
 * @param numPreemptions preemptions the request had then
 * @param wasRunning whether it was in the running batch (false: waiting, a metadata-only move)
 * @param numTokens tokens it had then
 */
public record MigrationTicket(String requestId, long seqId, int numPreemptions, boolean wasRunning, int numTokens) {}
