package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

/**
 * How one migration ended.
 *
 * @param requestId the request
 * @param result committed (runs on the destination), aborted (still runs here) or skipped (nothing done)
 * @param reason why it aborted or was skipped; empty when committed
 * @param stages copy stages before the final one
 * @param blocksMoved KV blocks sent
 * @param bytesMoved KV bytes sent
 * @param downtimeNanos time the request spent in no batch, from leaving the source's batch to joining the
 *     destination's running queue: measured exactly when the two share a monotonic clock (one host; the
 *     destination's install time falls between the detach and the commit's acknowledgement), otherwise it is
 *     {@code commitAckNanos}, an upper bound; 0 unless committed
 * @param totalNanos the whole migration
 * @param detachedAfterNanos from the start until the request left the source's batch: the copy stages it kept
 *     decoding through (0 if it never left)
 * @param commitAckNanos from the detach until the source heard that the destination committed (the downtime plus
 *     the answer's way back); 0 unless committed
 */
public record MigrationOutcome(
        String requestId, Result result, String reason, int stages, long blocksMoved, long bytesMoved, long downtimeNanos, long totalNanos,
        long detachedAfterNanos, long commitAckNanos) {

    public enum Result {
        COMMITTED,
        ABORTED,
        SKIPPED
    }

    public MigrationOutcome {
        requireNonNull(requestId, "requestId is null");
        requireNonNull(result, "result is null");
        requireNonNull(reason, "reason is null");
    }

    public boolean committed() {
        return result == Result.COMMITTED;
    }
}
