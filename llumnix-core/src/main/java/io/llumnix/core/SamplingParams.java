package io.llumnix.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.OptionalLong;

/**
 * How to pick each next token and when to stop. Validated on construction: an out-of-range value is a
 * user error ({@link ErrorCode#INVALID_REQUEST}) naming the parameter, never a silent clamp.
 *
 * @param temperature 0 means greedy; otherwise in (0, 2]
 * @param topP nucleus mass in (0, 1]
 * @param topK 0 or -1 for no limit, else the number of candidates kept
 * @param seed per-request seed; when present the request's sampling is reproducible on any instance
 * @param maxTokens tokens to generate, at least 1
 * @param stop stop strings; generation ends before the first occurrence, which is not emitted
 * @param ignoreEos keep generating through end-of-sequence
 */
public record SamplingParams(
        double temperature,
        double topP,
        int topK,
        OptionalLong seed,
        int maxTokens,
        List<String> stop,
        boolean ignoreEos) {

    public static final int MAX_STOP_STRINGS = 16;

    public SamplingParams {
        requireNonNull(seed, "seed is null");
        stop = List.copyOf(requireNonNull(stop, "stop is null"));
        if (!(temperature >= 0.0 && temperature <= 2.0)) {
            throw LlumnixException.invalid("temperature", "temperature must be between 0 and 2, got " + temperature);
        }
        if (!(topP > 0.0 && topP <= 1.0)) {
            throw LlumnixException.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        if (topK < -1) {
            throw LlumnixException.invalid("top_k", "top_k must be -1, 0 (no limit) or positive, got " + topK);
        }
        if (maxTokens < 1) {
            throw LlumnixException.invalid("max_tokens", "max_tokens must be at least 1, got " + maxTokens);
        }
        if (stop.size() > MAX_STOP_STRINGS) {
            throw LlumnixException.invalid("stop", "at most " + MAX_STOP_STRINGS + " stop strings, got " + stop.size());
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw LlumnixException.invalid("stop", "stop strings must not be empty");
            }
        }
    }

    /** Greedy decoding of up to {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0.0, 1.0, 0, OptionalLong.empty(), maxTokens, List.of(), false);
    }

    public boolean isGreedy() {
        return temperature == 0.0;
    }

    public SamplingParams withMaxTokens(int newMaxTokens) {
        return new SamplingParams(temperature, topP, topK, seed, newMaxTokens, stop, ignoreEos);
    }

    public SamplingParams withIgnoreEos(boolean newIgnoreEos) {
        return new SamplingParams(temperature, topP, topK, seed, maxTokens, stop, newIgnoreEos);
    }
}
