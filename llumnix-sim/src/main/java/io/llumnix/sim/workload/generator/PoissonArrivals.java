package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * Poisson arrivals: exponential gaps with mean {@code 1 / rate}.
 *
 * @param ratePerSecond mean arrivals per second
 */
public record PoissonArrivals(double ratePerSecond) implements ArrivalProcess {

    public PoissonArrivals {
        ArrivalProcess.checkRate(ratePerSecond);
    }

    @Override
    public double cv() {
        return 1.0;
    }

    @Override
    public double nextGapSeconds(RandomGenerator rng) {
        return rng.nextExponential() / ratePerSecond;
    }
}
