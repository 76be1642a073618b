package io.llumnix.sim.latency;

/**
 * One measured decode-only step.
 *
 * @param batchSize sequences decoded in the step, at least 1
 * @param contextTokens tokens of context those sequences attend, summed over the batch
 * @param ms measured step time in milliseconds
 */
public record DecodeSample(int batchSize, long contextTokens, double ms) {

    public DecodeSample {
        if (batchSize < 1) {
            throw new IllegalArgumentException("a decode sample needs a batch of at least 1, got " + batchSize);
        }
        if (contextTokens < 0) {
            throw new IllegalArgumentException("context tokens must be non-negative, got " + contextTokens);
        }
        LatencyFitter.checkMs(ms);
    }
}
