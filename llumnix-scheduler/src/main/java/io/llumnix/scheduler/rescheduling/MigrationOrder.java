package io.llumnix.scheduler.rescheduling;

import static java.util.Objects.requireNonNull;

/**
 * One instruction of the rescheduler: the source llumlet should migrate requests, chosen by {@code rule},
 * {@code order} and {@code value} (see {@link RequestSelection}), to the destination. Immutable.
 *
 * @param sourceInstanceId instance to migrate from
 * @param destInstanceId instance to migrate to
 * @param rule how much to move
 * @param order which requests first
 * @param value the rule's quantity (requests, tokens or a ratio)
 * @param policy the rescheduling policy that issued it, for logs and metrics
 * @param normalPriorityOnly leave high-priority requests where they are
 */
public record MigrationOrder(
        String sourceInstanceId,
        String destInstanceId,
        MigrationRule rule,
        RequestOrder order,
        double value,
        String policy,
        boolean normalPriorityOnly) {

    public MigrationOrder {
        requireNonNull(sourceInstanceId, "sourceInstanceId is null");
        requireNonNull(destInstanceId, "destInstanceId is null");
        requireNonNull(rule, "rule is null");
        requireNonNull(order, "order is null");
        requireNonNull(policy, "policy is null");
        if (sourceInstanceId.equals(destInstanceId)) {
            throw new IllegalArgumentException("migration from " + sourceInstanceId + " to itself");
        }
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("migration value must be positive and finite: " + value);
        }
    }
}
