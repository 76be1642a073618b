package io.llumnix.gateway.batch;

import java.util.Locale;
import java.util.Optional;

/** A batch's lifecycle, with OpenAI's names; the terminal states never change again. */
enum BatchStatus {
    VALIDATING,
    FAILED,
    IN_PROGRESS,
    FINALIZING,
    COMPLETED,
    EXPIRED,
    CANCELLING,
    CANCELLED;

    /** The name in the API: {@code in_progress}. */
    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The batch object's field holding when this state was reached ({@code in_progress_at}); none for validating. */
    Optional<String> timestampField() {
        return this == VALIDATING ? Optional.empty() : Optional.of(wireName() + "_at");
    }

    boolean terminal() {
        return this == FAILED || this == COMPLETED || this == EXPIRED || this == CANCELLED;
    }

    static BatchStatus fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
