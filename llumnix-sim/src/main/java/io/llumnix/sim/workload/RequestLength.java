package io.llumnix.sim.workload;

/**
 * The lengths of one request without an arrival time: what length-only datasets (ShareGPT) and length
 * distributions provide.
 *
 * @param promptTokens prompt (prefill) tokens, at least 1
 * @param outputTokens tokens to generate, at least 1
 */
public record RequestLength(int promptTokens, int outputTokens) {

    public RequestLength {
        if (promptTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("prompt and output lengths must be at least 1, got " + promptTokens + " and " + outputTokens);
        }
    }
}
