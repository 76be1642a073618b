package io.llumnix.engine.sched;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.SamplingParams;
import java.util.Arrays;

/**
 * Everything a destination needs to resume a request: its tokens, how many have KV, its sampling
 * parameters and RNG state, priority and age. Produced by the source when it takes the request out of its
 * batch; consumed by {@link EngineCore#installMigrated}.
 *
 * @param requestId the request
 * @param tokens prompt then generated tokens
 * @param promptLength tokens of the prompt
 * @param numComputed leading tokens whose KV travels with the request (0 for a waiting request or recompute)
 * @param params sampling and stopping
 * @param rngState the request's RNG state, so seeded sampling continues identically
 * @param priority scheduling priority
 * @param ageNanos time since the request arrived at the source
 * @param previousTokenId the token before the next one (for detokenization)
 * @param numPreemptions preemptions so far
 */
public record MigratingRequest(
        String requestId,
        int[] tokens,
        int promptLength,
        int numComputed,
        SamplingParams params,
        long rngState,
        int priority,
        long ageNanos,
        int previousTokenId,
        int numPreemptions) {

    public MigratingRequest {
        requireNonNull(requestId, "requestId is null");
        requireNonNull(params, "params is null");
        tokens = tokens.clone();
        if (promptLength <= 0 || promptLength > tokens.length || numComputed < 0 || numComputed > tokens.length) {
            throw new IllegalArgumentException("inconsistent migrating request " + requestId + ": " + tokens.length + " tokens, prompt "
                    + promptLength + ", computed " + numComputed);
        }
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int numTokens() {
        return tokens.length;
    }

    /** Generated tokens so far; the destination's next token has this index. */
    public int numOutputTokens() {
        return tokens.length - promptLength;
    }

    /** The same request with no KV (the destination recomputes everything). */
    public MigratingRequest forRecompute() {
        return new MigratingRequest(requestId, tokens, promptLength, 0, params, rngState, priority, ageNanos, previousTokenId, numPreemptions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigratingRequest m && requestId.equals(m.requestId) && Arrays.equals(tokens, m.tokens)
                && numComputed == m.numComputed && rngState == m.rngState;
    }

    @Override
    public int hashCode() {
        return requestId.hashCode();
    }

    @Override
    public String toString() {
        return "MigratingRequest[" + requestId + ", tokens=" + tokens.length + ", computed=" + numComputed + "]";
    }
}
