package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.util.OptionalInt;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client's completion request as the gateway understood it: enough to tokenize, schedule, forward, and rebuild
 * the request for a resume. The engine validates the rest. Immutable by convention: {@link #body()} is never
 * mutated (upstream bodies are copies).
 *
 * @param endpoint which API it came to
 * @param body the parsed JSON body
 * @param model the requested model; empty when the body names none
 * @param stream whether the answer is a stream of server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param wantsTokenIds whether the client asked for {@code return_token_ids} itself
 * @param promptIds the prompt as the backend's token ids (the gateway's tokenization)
 * @param maxTokens the requested completion length, if given
 * @param maxParam the field that gave it ({@code max_tokens} or {@code max_completion_tokens})
 * @param priority the engine priority of the request's class, if the client chose one
 * @param rawBody the body as the client sent it ({@code body} parsed), forwarded as is to plain OpenAI instances
 */
record ClientRequest(
        Endpoint endpoint,
        ObjectNode body,
        String model,
        boolean stream,
        boolean includeUsage,
        boolean wantsTokenIds,
        int[] promptIds,
        OptionalInt maxTokens,
        String maxParam,
        OptionalInt priority,
        byte[] rawBody) {

    /** The completion APIs the gateway serves. */
    enum Endpoint {
        COMPLETIONS("/v1/completions", "completion"),
        CHAT_COMPLETIONS("/v1/chat/completions", "chat");

        final String path;
        /** The engine's {@code kind} parameter of {@code /internal/attach}. */
        final String attachKind;

        Endpoint(String path, String attachKind) {
            this.path = path;
            this.attachKind = attachKind;
        }
    }

    /** The engine's default {@code max_tokens} of a completion without one. */
    static final int DEFAULT_COMPLETION_MAX_TOKENS = 16;

    ClientRequest {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(body, "body is null");
        requireNonNull(model, "model is null");
        requireNonNull(promptIds, "promptIds is null");
        requireNonNull(maxTokens, "maxTokens is null");
        requireNonNull(maxParam, "maxParam is null");
        requireNonNull(priority, "priority is null");
    }

    /** The completion length the engine will enforce, when it is known without the model's context length. */
    OptionalInt effectiveMaxTokens() {
        if (maxTokens.isPresent()) {
            return maxTokens;
        }
        return endpoint == Endpoint.COMPLETIONS ? OptionalInt.of(DEFAULT_COMPLETION_MAX_TOKENS) : OptionalInt.empty();
    }
}
