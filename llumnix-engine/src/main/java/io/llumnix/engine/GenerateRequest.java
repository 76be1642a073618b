package io.llumnix.engine;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.SamplingParams;
import java.util.Arrays;

/**
 * A request for one completion: already tokenized, with its sampling parameters and priority.
 *
 * @param requestId unique among the engine's live requests
 * @param promptTokens token ids of the prompt (a copy is kept; not empty)
 * @param params sampling and stopping
 * @param priority higher runs first and is preempted last; 0 is normal
 */
public record GenerateRequest(String requestId, int[] promptTokens, SamplingParams params, int priority) {

    public GenerateRequest {
        requireNonNull(requestId, "requestId is null");
        requireNonNull(params, "params is null");
        promptTokens = promptTokens.clone();
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    public int promptLength() {
        return promptTokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerateRequest r && requestId.equals(r.requestId) && Arrays.equals(promptTokens, r.promptTokens)
                && params.equals(r.params) && priority == r.priority;
    }

    @Override
    public int hashCode() {
        return requestId.hashCode();
    }

    @Override
    public String toString() {
        return "GenerateRequest[" + requestId + ", prompt=" + promptTokens.length + " tokens, " + params + ", priority=" + priority + "]";
    }
}
