package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;

/**
 * Keeps or drops one candidate instance. Soft filters (load thresholds) are skipped in the fallback pass,
 * which runs only when the strict pass left no candidate. Implementations are immutable records.
 */
sealed interface InstanceFilter {

    String name();

    /** Whether the fallback pass skips this filter. */
    boolean soft();

    boolean accept(int i, DecisionContext ctx);

    /**
     * Whether this filter could reject any instance of this decision's snapshot and request; when not, the
     * decision skips it (most decisions: nobody is draining, stale, reserved or excluded).
     */
    default boolean canReject(DecisionContext ctx) {
        return true;
    }

    /**
     * Drops instances whose status says they take no new requests (draining, stopping, stopped stepping).
     * With {@code requireStatus} (full mode) an instance without a live status is dropped too.
     */
    record Schedulable(boolean requireStatus) implements InstanceFilter {
        @Override
        public String name() {
            return "schedulability";
        }

        @Override
        public boolean soft() {
            return false;
        }

        @Override
        public boolean canReject(DecisionContext ctx) {
            return ctx.snapshot.anyUnschedulable() || requireStatus && ctx.snapshot.anyWithoutStatus();
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            InstanceLoad l = ctx.snapshot.load(i);
            return l.hasStatus ? l.schedulable : !requireStatus;
        }
    }

    /** Drops instances whose status is older than {@code maxAgeMs} (a stuck llumlet). */
    record Fresh(long maxAgeMs) implements InstanceFilter {
        public Fresh {
            if (maxAgeMs <= 0) {
                throw new IllegalArgumentException("--instance-staleness-ms must be positive: " + maxAgeMs);
            }
        }

        @Override
        public String name() {
            return "staleness";
        }

        @Override
        public boolean soft() {
            return false;
        }

        @Override
        public boolean canReject(DecisionContext ctx) {
            return ctx.nowMs - ctx.snapshot.oldestStatusMs() > maxAgeMs;
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            InstanceLoad l = ctx.snapshot.load(i);
            return !l.hasStatus || ctx.nowMs - l.timestampMs <= maxAgeMs;
        }
    }

    /**
     * Soft: drops instances whose metric is worse than {@code threshold} (above it for lower-is-better
     * metrics, below it for higher-is-better ones).
     */
    record MetricThreshold(SchedulingMetric metric, double threshold) implements InstanceFilter {
        public MetricThreshold {
            requireNonNull(metric, "metric is null");
            if (Double.isNaN(threshold)) {
                throw new IllegalArgumentException("threshold is NaN for " + metric);
            }
        }

        @Override
        public String name() {
            return "metric_threshold(" + metric.flagName() + ")";
        }

        @Override
        public boolean soft() {
            return true;
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            double v = ctx.value(metric, i);
            return metric.higherIsBetter() ? v >= threshold : v <= threshold;
        }
    }

    /** Keeps instances of one role. */
    record OfInferType(InferType type) implements InstanceFilter {
        public OfInferType {
            requireNonNull(type, "type is null");
        }

        @Override
        public String name() {
            return "infer_type(" + type + ")";
        }

        @Override
        public boolean soft() {
            return false;
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            return ctx.snapshot.load(i).inferType == type;
        }
    }

    /**
     * An instance reserved for a role (e.g. for high-priority tenants) takes only requests that carry that
     * role; unreserved instances take everyone.
     */
    record ReservedRole() implements InstanceFilter {
        @Override
        public String name() {
            return "reserved_role";
        }

        @Override
        public boolean soft() {
            return false;
        }

        @Override
        public boolean canReject(DecisionContext ctx) {
            return ctx.snapshot.anyReserved();
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            String reserved = ctx.snapshot.view(i).metadata().reservedRole();
            return reserved.isEmpty() || reserved.equals(ctx.request.role());
        }
    }

    /** The opposite of another filter; soft if it is. */
    record Not(InstanceFilter inner) implements InstanceFilter {
        public Not {
            requireNonNull(inner, "inner is null");
        }

        @Override
        public String name() {
            return "not(" + inner.name() + ")";
        }

        @Override
        public boolean soft() {
            return inner.soft();
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            return !inner.accept(i, ctx);
        }
    }

    /** Keeps a request away from the failure domain (instance, node or unit) of instances that failed it. */
    record FailoverDomain(FailoverScope scope) implements InstanceFilter {
        public FailoverDomain {
            requireNonNull(scope, "scope is null");
        }

        @Override
        public String name() {
            return "failover_domain(" + scope.flagName() + ")";
        }

        @Override
        public boolean soft() {
            return false;
        }

        @Override
        public boolean canReject(DecisionContext ctx) {
            return !ctx.request.excludedInstanceIds().isEmpty();
        }

        @Override
        public boolean accept(int i, DecisionContext ctx) {
            if (ctx.request.excludedInstanceIds().isEmpty()) {
                return true;
            }
            InstanceView v = ctx.snapshot.view(i);
            if (ctx.request.excludedInstanceIds().contains(v.instanceId())) {
                return false;
            }
            return switch (scope) {
                case INSTANCE -> true;
                case NODE -> !ctx.excludedNode(v.nodeId());
                case UNIT -> !ctx.excludedUnit(v.unitId());
            };
        }
    }
}
