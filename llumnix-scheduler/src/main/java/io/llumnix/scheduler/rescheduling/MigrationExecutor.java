package io.llumnix.scheduler.rescheduling;

import java.util.concurrent.CompletionStage;

/**
 * Carries out a {@link MigrationOrder}: asks the source instance's llumlet to migrate the selected requests.
 * The llumlet gRPC client implements it. Implementations are thread-safe and must not block the caller: the
 * returned stage completes when the source has finished (or refused) the order.
 */
@FunctionalInterface
public interface MigrationExecutor {

    CompletionStage<MigrationResult> migrate(MigrationOrder order);

    /**
     * What became of one order.
     *
     * @param migratedRequests requests that now run on the destination
     * @param detail a short note for logs (e.g. why nothing moved)
     */
    record MigrationResult(int migratedRequests, String detail) {
        public MigrationResult {
            java.util.Objects.requireNonNull(detail, "detail is null");
            if (migratedRequests < 0) {
                throw new IllegalArgumentException("migratedRequests is negative: " + migratedRequests);
            }
        }
    }
}
