package io.llumnix.sim.report;

import java.util.Arrays;

/**
 * Mean and percentiles of one latency over a set of requests. Percentiles are exact (nearest rank on the sorted
 * values: the smallest value with at least p% of values at or below it), not histogram estimates.
 *
 * @param count values summarised
 * @param mean arithmetic mean (0 when empty)
 * @param p50 median
 * @param p99 99th percentile
 * @param max largest value
 */
public record LatencyStats(int count, double mean, double p50, double p99, double max) {

    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0);

    /** Summarises {@code values} (not modified). */
    public static LatencyStats of(double[] values) {
        if (values.length == 0) {
            return EMPTY;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        return new LatencyStats(sorted.length, sum / sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile {@code p} in (0, 100] of ascending {@code sorted}. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("percentile of no values");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
