package io.llumnix.scheduler.rescheduling;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import io.llumnix.scheduler.FailoverScope;
import io.llumnix.scheduler.MetricParams;
import io.llumnix.scheduler.SchedulingMetric;
import java.time.Duration;
import java.util.List;

/**
 * The rescheduling flags, with Llumnix's names. Invalid values are refused with a message naming the flag
 * (and, for names, listing the valid ones). Immutable.
 *
 * @param enableRescheduling {@code --enable-rescheduling}
 * @param policies {@code --rescheduling-policies}, comma separated; see {@link ReschedulingPolicies#names()}
 * @param interval {@code --rescheduling-interval-ms}
 * @param decodeLoadMetric {@code --rescheduling-decode-load-metric}
 * @param decodeLoadThreshold {@code --rescheduling-decode-load-threshold}: a destination must stay below it
 * @param neutralLoadMetric {@code --rescheduling-neutral-load-metric}
 * @param neutralLoadThreshold {@code --rescheduling-neutral-load-threshold}
 * @param reqSelectRule {@code --rescheduling-req-select-rule}
 * @param reqSelectOrder {@code --rescheduling-req-select-order}
 * @param reqSelectValue {@code --rescheduling-req-select-value}
 * @param loadBalanceThreshold {@code --rescheduling-load-balance-threshold}: migrate only when the source's
 *     load exceeds the destination's by more than this
 * @param failoverScope {@code --failover-scope}
 * @param instanceStaleness {@code --instance-staleness-ms}: a status older than this marks a failed instance
 * @param defragFreenessThreshold {@code --rescheduling-defrag-freeness-threshold}: the defrag policy drains
 *     instances whose freeness is below it (0: the head-of-line request no longer fits)
 * @param consolidationLoadThreshold {@code --rescheduling-consolidation-load-threshold}: binpacking
 *     consolidation drains instances whose load is below it
 * @param metricParams coefficients for the metrics (freeness headroom)
 */
public record ReschedulingConfig(
        boolean enableRescheduling,
        List<String> policies,
        Duration interval,
        SchedulingMetric decodeLoadMetric,
        double decodeLoadThreshold,
        SchedulingMetric neutralLoadMetric,
        double neutralLoadThreshold,
        MigrationRule reqSelectRule,
        RequestOrder reqSelectOrder,
        double reqSelectValue,
        double loadBalanceThreshold,
        FailoverScope failoverScope,
        Duration instanceStaleness,
        double defragFreenessThreshold,
        double consolidationLoadThreshold,
        MetricParams metricParams) {

    public ReschedulingConfig {
        policies = List.copyOf(policies);
        requireNonNull(interval, "interval is null");
        requireNonNull(decodeLoadMetric, "decodeLoadMetric is null");
        requireNonNull(neutralLoadMetric, "neutralLoadMetric is null");
        requireNonNull(reqSelectRule, "reqSelectRule is null");
        requireNonNull(reqSelectOrder, "reqSelectOrder is null");
        requireNonNull(failoverScope, "failoverScope is null");
        requireNonNull(instanceStaleness, "instanceStaleness is null");
        requireNonNull(metricParams, "metricParams is null");
        for (String p : policies) {
            ReschedulingPolicies.checkName(p);
        }
        if (enableRescheduling && policies.isEmpty()) {
            throw new IllegalArgumentException("--enable-rescheduling needs at least one --rescheduling-policies entry");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("--rescheduling-interval-ms must be positive, got " + interval.toMillis());
        }
        if (!(reqSelectValue > 0) || Double.isInfinite(reqSelectValue)) {
            throw new IllegalArgumentException("--rescheduling-req-select-value must be positive, got " + reqSelectValue);
        }
        if (!(loadBalanceThreshold >= 0)) {
            throw new IllegalArgumentException(
                    "--rescheduling-load-balance-threshold must be non-negative, got " + loadBalanceThreshold);
        }
        if (instanceStaleness.isNegative() || instanceStaleness.isZero()) {
            throw new IllegalArgumentException("--instance-staleness-ms must be positive");
        }
        if (Double.isNaN(decodeLoadThreshold) || Double.isNaN(neutralLoadThreshold)
                || Double.isNaN(defragFreenessThreshold) || Double.isNaN(consolidationLoadThreshold)) {
            throw new IllegalArgumentException("rescheduling thresholds must be numbers");
        }
    }

    /** Llumnix's defaults (rescheduling off; decode_load plus failover when on; SR / TOKEN / 1). */
    public static ReschedulingConfig defaults() {
        return new ReschedulingConfig(false,
                List.of("decode_load", "prefill_failover", "decode_failover", "neutral_failover"),
                Duration.ofMillis(500), SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED, 1.0,
                SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED, 1.0, MigrationRule.TOKEN, RequestOrder.SR, 1.0, 0.01,
                FailoverScope.INSTANCE, Duration.ofSeconds(60), 0.0, 0.2, MetricParams.defaults());
    }

    /** The load metric rescheduling uses for instances of {@code type} (decode, else neutral). */
    public SchedulingMetric loadMetric(InferType type) {
        return type == InferType.DECODE ? decodeLoadMetric : neutralLoadMetric;
    }

    /** The load threshold rescheduling uses for instances of {@code type} (decode, else neutral). */
    public double loadThreshold(InferType type) {
        return type == InferType.DECODE ? decodeLoadThreshold : neutralLoadThreshold;
    }

    public ReschedulingConfig withEnabled(boolean enabled, List<String> newPolicies) {
        return new ReschedulingConfig(enabled, newPolicies, interval, decodeLoadMetric, decodeLoadThreshold,
                neutralLoadMetric, neutralLoadThreshold, reqSelectRule, reqSelectOrder, reqSelectValue,
                loadBalanceThreshold, failoverScope, instanceStaleness, defragFreenessThreshold,
                consolidationLoadThreshold, metricParams);
    }

    public ReschedulingConfig withSelection(MigrationRule rule, RequestOrder order, double value) {
        return new ReschedulingConfig(enableRescheduling, policies, interval, decodeLoadMetric, decodeLoadThreshold,
                neutralLoadMetric, neutralLoadThreshold, rule, order, value, loadBalanceThreshold, failoverScope,
                instanceStaleness, defragFreenessThreshold, consolidationLoadThreshold, metricParams);
    }

    public ReschedulingConfig withFailoverScope(FailoverScope scope) {
        return new ReschedulingConfig(enableRescheduling, policies, interval, decodeLoadMetric, decodeLoadThreshold,
                neutralLoadMetric, neutralLoadThreshold, reqSelectRule, reqSelectOrder, reqSelectValue,
                loadBalanceThreshold, scope, instanceStaleness, defragFreenessThreshold, consolidationLoadThreshold,
                metricParams);
    }

    public ReschedulingConfig withMetricParams(MetricParams params) {
        return new ReschedulingConfig(enableRescheduling, policies, interval, decodeLoadMetric, decodeLoadThreshold,
                neutralLoadMetric, neutralLoadThreshold, reqSelectRule, reqSelectOrder, reqSelectValue,
                loadBalanceThreshold, failoverScope, instanceStaleness, defragFreenessThreshold,
                consolidationLoadThreshold, params);
    }

    /**
     * Refuses rescheduling with a dispatch policy that must not migrate ({@code infaas++}) or in lite mode.
     *
     * @throws IllegalArgumentException naming the conflicting flags
     */
    public void checkCompatibleWith(io.llumnix.scheduler.SchedulerConfig scheduler) {
        if (!enableRescheduling) {
            return;
        }
        if (!scheduler.enableFullModeScheduling()) {
            throw new IllegalArgumentException(
                    "--enable-rescheduling needs --enable-full-mode-scheduling (lite-mode instances cannot migrate)");
        }
        if (scheduler.schedulingPolicy().equals("infaas++")) {
            throw new IllegalArgumentException(
                    "--scheduling-policy infaas++ is the no-migration baseline; drop --enable-rescheduling or use llumnix");
        }
    }
}
