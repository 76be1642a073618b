package io.llumnix.sim.core;

/**
 * One live migration attempt in a simulation.
 *
 * @param requestId the request moved
 * @param sourceId instance it left
 * @param destinationId instance it moved to
 * @param policy the rescheduling policy that ordered it
 * @param startNanos when the source began it
 * @param detachNanos when the request left the source's batch (downtime started); -1 if it never did
 * @param endNanos when it was installed on the destination, or when the attempt aborted
 * @param stages copy stages run while the request kept decoding (the last stage not counted)
 * @param blocks KV blocks copied in all
 * @param committed whether the request now runs on the destination
 * @param reason why an attempt aborted (empty when committed)
 */
public record MigrationRecord(
        String requestId,
        String sourceId,
        String destinationId,
        String policy,
        long startNanos,
        long detachNanos,
        long endNanos,
        int stages,
        int blocks,
        boolean committed,
        String reason) {

    /** Time the request was paused (detach to install); 0 when it never detached. */
    public long downtimeNanos() {
        return committed && detachNanos >= 0 ? endNanos - detachNanos : 0;
    }
}
