package io.llumnix.sim.latency;

/**
 * One measured prefill-only step.
 *
 * @param tokens prompt tokens computed in the step, at least 1
 * @param ms measured step time in milliseconds
 */
public record PrefillSample(int tokens, double ms) {

    public PrefillSample {
        if (tokens < 1) {
            throw new IllegalArgumentException("a prefill sample needs at least 1 token, got " + tokens);
        }
        LatencyFitter.checkMs(ms);
    }
}
