package io.llumnix.sim.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Instance auto-scaling as in the paper (§4.4): every {@code interval} the scaler averages the freeness of the
 * instances that take requests; when the average stays below {@code scaleUpFreeness} for {@code sustain} it launches
 * an instance (ready after {@code startupDelay}); when it stays above {@code scaleDownFreeness} it picks the instance
 * with the fewest requests and drains it — marked unschedulable, so dispatch avoids it and, with Llumnix, the
 * failover rescheduling policy migrates its requests out; with INFaaS++ it simply waits for them to finish — and
 * removes it once empty. One launch and one drain at a time.
 *
 * @param minInstances never drain below this
 * @param maxInstances never launch above this
 * @param scaleUpFreeness average freeness below which the cluster grows
 * @param scaleDownFreeness average freeness above which it shrinks
 * @param interval how often the scaler looks
 * @param sustain how long a condition must hold before acting
 * @param startupDelay time from launch until an instance takes requests (it costs instance-seconds meanwhile)
 */
public record AutoScalingConfig(
        int minInstances,
        int maxInstances,
        double scaleUpFreeness,
        double scaleDownFreeness,
        Duration interval,
        Duration sustain,
        Duration startupDelay) {

    public AutoScalingConfig {
        requireNonNull(interval, "interval is null");
        requireNonNull(sustain, "sustain is null");
        requireNonNull(startupDelay, "startupDelay is null");
        if (minInstances < 1 || maxInstances < minInstances) {
            throw new IllegalArgumentException("need 1 <= min instances <= max instances, got " + minInstances + " and " + maxInstances);
        }
        if (!(scaleUpFreeness < scaleDownFreeness)) {
            throw new IllegalArgumentException("scale-up freeness " + scaleUpFreeness + " must be below scale-down freeness "
                    + scaleDownFreeness);
        }
        if (interval.isNegative() || interval.isZero() || sustain.isNegative() || startupDelay.isNegative()) {
            throw new IllegalArgumentException("scaling interval must be positive and sustain/startup non-negative");
        }
    }

    /** The paper's thresholds (average freeness 10 and 60) between {@code min} and {@code max} instances. */
    public static AutoScalingConfig paper(int min, int max) {
        return new AutoScalingConfig(min, max, 10, 60, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }
}
