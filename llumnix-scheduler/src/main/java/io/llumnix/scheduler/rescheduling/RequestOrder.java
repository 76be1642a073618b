package io.llumnix.scheduler.rescheduling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which requests a migration takes first ({@code --rescheduling-req-select-order}):
 * <ul>
 *   <li>{@code LCR} last-come running, {@code FCR} first-come running;</li>
 *   <li>{@code LR} longest running (most KV tokens), {@code SR} shortest running (fewest — cheapest to move);</li>
 *   <li>{@code FCW} first-come waiting (queued, nothing to copy);</li>
 *   <li>{@code FCWSR} first-come waiting, then shortest running.</li>
 * </ul>
 * Ties are broken by request id so the selection is deterministic.
 */
public enum RequestOrder {
    LCR,
    FCR,
    LR,
    SR,
    FCW,
    FCWSR;

    /** @throws IllegalArgumentException listing the valid names */
    public static RequestOrder parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --rescheduling-req-select-order '" + name + "'; valid: "
                    + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")), e);
        }
    }
}
