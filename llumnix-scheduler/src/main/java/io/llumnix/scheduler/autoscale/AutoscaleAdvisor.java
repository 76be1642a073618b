package io.llumnix.scheduler.autoscale;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.SchedulingMetric;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns the stream of cluster snapshots into scaling advice (the paper's §4.4). The load is the freeness of the
 * schedulable instances, averaged ({@code avg_load}) or of the most loaded one ({@code max_load}); instances that
 * are draining or stopping (unschedulable: infinite virtual usage) are already on their way out and do not count.
 * While the load stays below {@code --scale-up-threshold} for {@code --scaling-duration-ms} the advice is
 * {@code SCALE_UP}; above {@code --scale-down-threshold}, {@code SCALE_DOWN} with the instance to drain (fewest
 * requests, so the least migration; ties by id). Outside {@code [--min-instances, --max-instances]} the advice
 * restores the bound at once. When the number of instances changes the timer restarts, so that one action is
 * given time to show its effect before the next one.
 *
 * <p>Feed it every snapshot (e.g. from the refresher's listener) with {@link #observe}; read the latest advice
 * from any thread with {@link #advice()}. Thread-safe: {@code observe} is synchronized (it is called by one
 * refresher thread and is O(instances)); {@code advice} reads a volatile.
 */
public final class AutoscaleAdvisor {

    private enum Range {
        LOW,
        IN,
        HIGH
    }

    private final AutoscaleConfig config;
    private final Clock clock;
    private volatile AutoscaleAdvice latest;
    private Range range = Range.IN;
    private long rangeSinceNanos;
    private int lastInstances = -1;

    public AutoscaleAdvisor(AutoscaleConfig config, Clock clock) {
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.rangeSinceNanos = clock.nanoTime();
        this.latest = new AutoscaleAdvice(AutoscaleAdvice.Action.HOLD, Double.NaN, 0, Optional.empty(), 0, "no snapshot observed yet",
                clock.currentTimeMillis());
    }

    /** Updates the advice from a new snapshot and returns it. */
    public synchronized AutoscaleAdvice observe(ClusterSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot is null");
        long now = clock.nanoTime();
        long nowMs = clock.currentTimeMillis();
        List<InstanceView> healthy = snapshot.instances().stream()
                .filter(v -> v.status().map(InstanceStatus::schedulable).orElse(false))
                .toList();
        int n = healthy.size();
        if (n != lastInstances) {
            lastInstances = n;
            range = Range.IN;
            rangeSinceNanos = now;
        }
        double load = load(snapshot, healthy);
        AutoscaleAdvice advice;
        if (n < config.minInstances()) {
            advice = advice(AutoscaleAdvice.Action.SCALE_UP, load, n, Optional.empty(), 0,
                    n + " schedulable instances, below --min-instances " + config.minInstances(), nowMs);
        } else if (n > config.maxInstances()) {
            advice = advice(AutoscaleAdvice.Action.SCALE_DOWN, load, n, drainCandidate(healthy), 0,
                    n + " schedulable instances, above --max-instances " + config.maxInstances(), nowMs);
        } else if (n == 0) {
            advice = advice(AutoscaleAdvice.Action.HOLD, load, 0, Optional.empty(), 0, "no schedulable instance reports status", nowMs);
        } else {
            Range r = load < config.scaleUpThreshold() ? Range.LOW : load > config.scaleDownThreshold() ? Range.HIGH : Range.IN;
            if (r != range) {
                range = r;
                rangeSinceNanos = now;
            }
            long outMs = r == Range.IN ? 0 : (now - rangeSinceNanos) / 1_000_000;
            boolean sustained = r != Range.IN && now - rangeSinceNanos >= config.scalingDuration().toNanos();
            String loadText = String.format(Locale.ROOT, "%s freeness %.1f", config.scalingPolicy(), load);
            if (sustained && r == Range.LOW && n < config.maxInstances()) {
                advice = advice(AutoscaleAdvice.Action.SCALE_UP, load, n, Optional.empty(), outMs,
                        loadText + " below --scale-up-threshold " + config.scaleUpThreshold() + " for " + outMs + " ms", nowMs);
            } else if (sustained && r == Range.HIGH && n > config.minInstances()) {
                advice = advice(AutoscaleAdvice.Action.SCALE_DOWN, load, n, drainCandidate(healthy), outMs,
                        loadText + " above --scale-down-threshold " + config.scaleDownThreshold() + " for " + outMs + " ms", nowMs);
            } else {
                String why = switch (r) {
                    case IN -> loadText + " within [" + config.scaleUpThreshold() + ", " + config.scaleDownThreshold() + "]";
                    case LOW -> n >= config.maxInstances() ? loadText + " is low but the cluster is at --max-instances"
                            : loadText + " below --scale-up-threshold for " + outMs + " ms of " + config.scalingDuration().toMillis();
                    case HIGH -> n <= config.minInstances() ? loadText + " is high but the cluster is at --min-instances"
                            : loadText + " above --scale-down-threshold for " + outMs + " ms of " + config.scalingDuration().toMillis();
                };
                advice = advice(AutoscaleAdvice.Action.HOLD, load, n, Optional.empty(), outMs, why, nowMs);
            }
        }
        latest = advice;
        return advice;
    }

    /** The advice from the latest snapshot observed. */
    public AutoscaleAdvice advice() {
        return latest;
    }

    public AutoscaleConfig config() {
        return config;
    }

    private double load(ClusterSnapshot snapshot, List<InstanceView> healthy) {
        if (healthy.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (InstanceView v : healthy) {
            double f = snapshot.metric(SchedulingMetric.FREENESS, v.instanceId(), config.metricParams()).orElse(0);
            sum += f;
            min = Math.min(min, f);
        }
        return switch (config.scalingPolicy()) {
            case AVG_LOAD -> sum / healthy.size();
            case MAX_LOAD -> min;
        };
    }

    private static Optional<String> drainCandidate(List<InstanceView> healthy) {
        return healthy.stream()
                .min(Comparator.comparingInt((InstanceView v) -> v.status().map(InstanceStatus::numRequests).orElse(0))
                        .thenComparing(InstanceView::instanceId))
                .map(InstanceView::instanceId);
    }

    private static AutoscaleAdvice advice(AutoscaleAdvice.Action a, double load, int n, Optional<String> drain, long outMs, String reason,
            long nowMs) {
        return new AutoscaleAdvice(a, load, n, drain, outMs, reason, nowMs);
    }
}
