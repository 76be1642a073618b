package io.llumnix.scheduler.autoscale;

import static java.util.Objects.requireNonNull;

import io.llumnix.scheduler.MetricParams;
import java.time.Duration;

/**
 * The scaling flags, with Llumnix's names where it has them. Freeness is the paper's (M − ΣV) / B: roughly how
 * many more decode steps every running request could take before the instance runs out of KV cache, so the
 * thresholds are in steps. Immutable; the constructor refuses invalid values and combinations naming the flags.
 *
 * @param scalingPolicy {@code --scaling-policy}
 * @param scaleUpThreshold {@code --scale-up-threshold}: advise scaling up while the load (freeness) stays below it
 * @param scaleDownThreshold {@code --scale-down-threshold}: advise scaling down while the freeness stays above it
 * @param scalingDuration {@code --scaling-duration-ms}: how long the load must stay out of range before advising
 *     (and how long a cluster that just changed size is left to settle)
 * @param minInstances {@code --min-instances}
 * @param maxInstances {@code --max-instances}
 * @param metricParams coefficients of the freeness metric (priority headroom)
 */
public record AutoscaleConfig(
        ScalingPolicy scalingPolicy,
        double scaleUpThreshold,
        double scaleDownThreshold,
        Duration scalingDuration,
        int minInstances,
        int maxInstances,
        MetricParams metricParams) {

    public AutoscaleConfig {
        requireNonNull(scalingPolicy, "scalingPolicy is null");
        requireNonNull(scalingDuration, "scalingDuration is null");
        requireNonNull(metricParams, "metricParams is null");
        if (!Double.isFinite(scaleUpThreshold) || !Double.isFinite(scaleDownThreshold)) {
            throw new IllegalArgumentException("--scale-up-threshold and --scale-down-threshold must be finite numbers");
        }
        if (scaleUpThreshold >= scaleDownThreshold) {
            throw new IllegalArgumentException("--scale-up-threshold (" + scaleUpThreshold + ") must be below --scale-down-threshold ("
                    + scaleDownThreshold + "), or the advice would flap between up and down");
        }
        if (scalingDuration.isNegative()) {
            throw new IllegalArgumentException("--scaling-duration-ms must not be negative, got " + scalingDuration.toMillis());
        }
        if (minInstances < 0) {
            throw new IllegalArgumentException("--min-instances must not be negative, got " + minInstances);
        }
        if (maxInstances < Math.max(1, minInstances)) {
            throw new IllegalArgumentException("--max-instances (" + maxInstances + ") must be at least 1 and at least --min-instances ("
                    + minInstances + ")");
        }
    }

    /** Llumnix's thresholds (avg_load, up below 10, down above 60), 10 s duration, 1 to 64 instances. */
    public static AutoscaleConfig defaults() {
        return new AutoscaleConfig(ScalingPolicy.AVG_LOAD, 10, 60, Duration.ofSeconds(10), 1, 64, MetricParams.defaults());
    }

    public AutoscaleConfig withThresholds(double up, double down) {
        return new AutoscaleConfig(scalingPolicy, up, down, scalingDuration, minInstances, maxInstances, metricParams);
    }

    public AutoscaleConfig withScalingDuration(Duration d) {
        return new AutoscaleConfig(scalingPolicy, scaleUpThreshold, scaleDownThreshold, d, minInstances, maxInstances, metricParams);
    }

    public AutoscaleConfig withInstanceRange(int min, int max) {
        return new AutoscaleConfig(scalingPolicy, scaleUpThreshold, scaleDownThreshold, scalingDuration, min, max, metricParams);
    }

    public AutoscaleConfig withScalingPolicy(ScalingPolicy p) {
        return new AutoscaleConfig(p, scaleUpThreshold, scaleDownThreshold, scalingDuration, minInstances, maxInstances, metricParams);
    }
}
