package io.llumnix.scheduler.rescheduling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How much to migrate in one order ({@code --rescheduling-req-select-rule}), with the order's value:
 * {@code NUM_REQ} moves that many requests; {@code TOKEN} moves requests until at least that many KV tokens
 * are selected; {@code RATIO} until at least that fraction of the source's used KV tokens (1 or more: all).
 * Each rule moves at least one request when any is eligible.
 */
public enum MigrationRule {
    NUM_REQ,
    TOKEN,
    RATIO;

    /** @throws IllegalArgumentException listing the valid names */
    public static MigrationRule parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --rescheduling-req-select-rule '" + name + "'; valid: "
                    + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")), e);
        }
    }
}
