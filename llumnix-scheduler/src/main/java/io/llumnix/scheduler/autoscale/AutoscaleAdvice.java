package io.llumnix.scheduler.autoscale;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What the cluster should do about its size now. Immutable.
 *
 * @param action scale up, scale down, or hold
 * @param load the aggregate freeness the advice is based on (NaN when no instance reports status)
 * @param instances schedulable instances with a live status
 * @param drainCandidate with {@link Action#SCALE_DOWN}: the instance to drain (fewest requests, then lowest id)
 * @param outOfRangeForMs how long the load has been below the up or above the down threshold (0 when in range)
 * @param reason a sentence for logs and the API
 * @param takenAtMs when the advice was computed (the advisor's clock)
 */
public record AutoscaleAdvice(
        Action action, double load, int instances, Optional<String> drainCandidate, long outOfRangeForMs, String reason, long takenAtMs) {

    /** The advised change. */
    public enum Action {
        SCALE_UP,
        SCALE_DOWN,
        HOLD
    }

    public AutoscaleAdvice {
        requireNonNull(action, "action is null");
        requireNonNull(drainCandidate, "drainCandidate is null");
        requireNonNull(reason, "reason is null");
        if (action == Action.SCALE_DOWN && drainCandidate.isEmpty()) {
            throw new IllegalArgumentException("scale-down advice without an instance to drain");
        }
    }
}
