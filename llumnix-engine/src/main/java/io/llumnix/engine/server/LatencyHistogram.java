package io.llumnix.engine.server;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed bucket bounds (in seconds), cheap to observe from any thread.
 *
 * <p>Thread-safe; a scrape may see an observation in {@code _count} but not yet in a bucket, which
 * Prometheus tolerates.
 */
final class LatencyHistogram {

    private final double[] upperBounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    LatencyHistogram(double... upperBounds) {
        for (int i = 1; i < upperBounds.length; i++) {
            if (!(upperBounds[i] > upperBounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + java.util.Arrays.toString(upperBounds));
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = new AtomicLongArray(upperBounds.length + 1);
    }

    void observeNanos(long nanos) {
        observe(Math.max(0L, nanos) / 1e9);
    }

    void observe(double seconds) {
        int i = 0;
        while (i < upperBounds.length && seconds > upperBounds[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sum.add(seconds);
        count.increment();
    }

    long count() {
        return count.sum();
    }

    /** Appends {@code _bucket} (cumulative), {@code _sum} and {@code _count} samples. */
    void writeTo(PrometheusText out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            cumulative += counts.get(i);
            out.sample(name + "_bucket", labels, "le", PrometheusText.formatDouble(upperBounds[i]), cumulative);
        }
        cumulative += counts.get(upperBounds.length);
        out.sample(name + "_bucket", labels, "le", "+Inf", cumulative);
        out.sample(name + "_sum", labels, sum.sum());
        out.sample(name + "_count", labels, cumulative);
    }
}
