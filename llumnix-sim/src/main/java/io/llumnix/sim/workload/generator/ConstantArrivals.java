package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * Evenly spaced arrivals, {@code 1 / rate} apart: a deterministic baseline.
 *
 * @param ratePerSecond arrivals per second
 */
public record ConstantArrivals(double ratePerSecond) implements ArrivalProcess {

    public ConstantArrivals {
        ArrivalProcess.checkRate(ratePerSecond);
    }

    @Override
    public double cv() {
        return 0.0;
    }

    @Override
    public double nextGapSeconds(RandomGenerator rng) {
        return 1.0 / ratePerSecond;
    }
}
