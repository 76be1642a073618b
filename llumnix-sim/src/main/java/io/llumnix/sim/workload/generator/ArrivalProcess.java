package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * When requests arrive: a renewal process given by its inter-arrival distribution. The first request arrives at
 * time 0; each later one a random gap after the previous.
 *
 * <p>Implementations are immutable; randomness comes only from the generator passed in.
 */
public sealed interface ArrivalProcess permits PoissonArrivals, GammaArrivals, ConstantArrivals {

    /** Mean arrivals per second. */
    double ratePerSecond();

    /** Coefficient of variation of the gaps (1 for Poisson, 0 for constant). */
    double cv();

    /** Draws the next inter-arrival gap in seconds. */
    double nextGapSeconds(RandomGenerator rng);

    /** Arrival times in nanoseconds of {@code n} requests, starting at 0. */
    default long[] arrivalNanos(int n, RandomGenerator rng) {
        long[] out = new long[n];
        double t = 0;
        for (int i = 1; i < n; i++) {
            t += nextGapSeconds(rng);
            out[i] = Math.round(t * 1e9);
        }
        return out;
    }

    /** Poisson arrivals ({@code cv == 1}), otherwise Gamma arrivals with that CV; 0 means evenly spaced. */
    static ArrivalProcess of(double ratePerSecond, double cv) {
        if (cv == 0) {
            return new ConstantArrivals(ratePerSecond);
        }
        return cv == 1 ? new PoissonArrivals(ratePerSecond) : new GammaArrivals(ratePerSecond, cv);
    }

    static double checkRate(double ratePerSecond) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("arrival rate must be positive and finite, got " + ratePerSecond);
        }
        return ratePerSecond;
    }
}
