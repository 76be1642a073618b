package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.SamplingParams;
import java.util.Arrays;

/**
 * A validated OpenAI request, tokenized and ready for the engine.
 *
 * @param kind which endpoint it came from (decides the response format)
 * @param promptTokens the prompt as token ids (not empty)
 * @param params sampling and stopping
 * @param stream answer as server-sent events
 * @param includeUsage streaming only: send a final chunk with {@code usage}
 * @param priority engine priority (extension; higher runs first)
 * @param returnTokenIds add {@code token_ids} / {@code prompt_token_ids} to the choices (extension, as vLLM)
 * @param decodeHandoff prefill/decode disaggregation (extension {@code pd_decode_llumlet}): the llumlet address
 *     ({@code host:port}) of the decode instance this request moves to after its first token; empty for none
 */
record ApiRequest(Kind kind, int[] promptTokens, SamplingParams params, boolean stream, boolean includeUsage, int priority,
        boolean returnTokenIds, String decodeHandoff) {

    enum Kind {
        COMPLETION,
        CHAT
    }

    ApiRequest {
        requireNonNull(kind, "kind is null");
        requireNonNull(params, "params is null");
        requireNonNull(decodeHandoff, "decodeHandoff is null");
        promptTokens = promptTokens.clone();
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiRequest r && kind == r.kind && Arrays.equals(promptTokens, r.promptTokens) && params.equals(r.params)
                && stream == r.stream && includeUsage == r.includeUsage && priority == r.priority && returnTokenIds == r.returnTokenIds
                && decodeHandoff.equals(r.decodeHandoff);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(promptTokens) * 31 + params.hashCode();
    }

    @Override
    public String toString() {
        return "ApiRequest[" + kind + ", prompt=" + promptTokens.length + " tokens, " + params + ", stream=" + stream + "]";
    }
}
