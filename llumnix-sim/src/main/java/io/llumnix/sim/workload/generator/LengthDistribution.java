package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * A distribution of token counts (prompt or output lengths), each draw at least 1.
 *
 * <p>Implementations are immutable; randomness comes only from the generator passed in.
 */
public sealed interface LengthDistribution permits ZipfLengths, FixedLength {

    /** Draws one length. */
    int sample(RandomGenerator rng);

    /** The exact mean of the distribution. */
    double mean();
}
