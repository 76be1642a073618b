package io.llumnix.scheduler.rescheduling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which of a source instance's requests a {@link MigrationOrder} moves: sort the eligible requests by the
 * order, then take them until the rule's quantity is reached (always at least one when any is eligible).
 * Pure and stateless; the source llumlet calls it on its live request list.
 */
public final class RequestSelection {

    private static final Comparator<MigratableRequest> BY_ARRIVAL =
            Comparator.comparingLong(MigratableRequest::arrivalTime).thenComparing(MigratableRequest::requestId);
    private static final Comparator<MigratableRequest> BY_TOKENS =
            Comparator.comparingLong(MigratableRequest::kvTokens).thenComparing(MigratableRequest::requestId);

    private RequestSelection() {}

    /**
     * @param requests the source's requests, any order
     * @param order the migration order to apply
     * @param sourceUsedTokens the source's used KV tokens (the base of {@link MigrationRule#RATIO})
     */
    public static List<MigratableRequest> select(List<MigratableRequest> requests, MigrationOrder order,
            long sourceUsedTokens) {
        return select(requests, order.rule(), order.order(), order.value(), order.normalPriorityOnly(),
                sourceUsedTokens);
    }

    /**
     * The same selection from its parts, for a source that received them over the wire.
     *
     * @param requests the source's requests, any order (requests already migrating must be left out)
     * @param rule how much to move
     * @param order which requests first
     * @param value the rule's quantity; positive and finite
     * @param normalPriorityOnly leave high-priority requests out
     * @param sourceUsedTokens the source's used KV tokens (the base of {@link MigrationRule#RATIO})
     * @throws IllegalArgumentException when {@code value} is not positive and finite
     */
    public static List<MigratableRequest> select(List<MigratableRequest> requests, MigrationRule rule,
            RequestOrder order, double value, boolean normalPriorityOnly, long sourceUsedTokens) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("request selection value must be positive and finite: " + value);
        }
        List<MigratableRequest> eligible = new ArrayList<>();
        for (MigratableRequest r : requests) {
            if (normalPriorityOnly && r.highPriority()) {
                continue;
            }
            boolean wanted = switch (order) {
                case LCR, FCR, LR, SR -> !r.waiting();
                case FCW -> r.waiting();
                case FCWSR -> true;
            };
            if (wanted) {
                eligible.add(r);
            }
        }
        eligible.sort(switch (order) {
            case LCR -> BY_ARRIVAL.reversed();
            case FCR, FCW -> BY_ARRIVAL;
            case LR -> BY_TOKENS.reversed();
            case SR -> BY_TOKENS;
            case FCWSR -> Comparator.comparing((MigratableRequest r) -> !r.waiting())
                    .thenComparing((a, b) -> a.waiting() ? BY_ARRIVAL.compare(a, b) : BY_TOKENS.compare(a, b));
        });
        List<MigratableRequest> chosen = new ArrayList<>();
        double taken = 0;
        double target = switch (rule) {
            case NUM_REQ -> Math.floor(value);
            case TOKEN -> value;
            case RATIO -> value >= 1 ? Double.POSITIVE_INFINITY : value * sourceUsedTokens;
        };
        for (MigratableRequest r : eligible) {
            if (!chosen.isEmpty() && taken >= target) {
                break;
            }
            chosen.add(r);
            taken += rule == MigrationRule.NUM_REQ ? 1 : r.kvTokens();
        }
        return List.copyOf(chosen);
    }
}
