package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * Every request has the same length.
 *
 * @param tokens the length, at least 1
 */
public record FixedLength(int tokens) implements LengthDistribution {

    public FixedLength {
        if (tokens < 1) {
            throw new IllegalArgumentException("length must be at least 1, got " + tokens);
        }
    }

    @Override
    public int sample(RandomGenerator rng) {
        return tokens;
    }

    @Override
    public double mean() {
        return tokens;
    }
}
