package io.llumnix.engine;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.FinishReason;

/**
 * What happens to a request, in order: zero or more {@link Token}s, then exactly one terminal event
 * ({@link Finished}, {@link Failed} or {@link Migrated}). Delivered on the engine's step thread: listeners must not block.
 */
public sealed interface RequestEvent {

    String requestId();

    /**
     * One generated token.
     *
     * @param index 0-based index among the request's generated tokens
     * @param tokenId the token
     * @param text text this token makes visible; may be empty while an incomplete UTF-8 character or a
     *     possible stop-string prefix is held back
     * @param nanoTime when the token was produced (engine clock)
     */
    record Token(String requestId, int index, int tokenId, String text, long nanoTime) implements RequestEvent {}

    /**
     * The request ended normally.
     *
     * @param reason why it stopped
     * @param text held-back text released at the end (not part of any stop string); usually empty
     * @param promptTokens prompt length
     * @param completionTokens tokens generated
     */
    record Finished(String requestId, FinishReason reason, String text, int promptTokens, int completionTokens)
            implements RequestEvent {}

    /**
     * The request moved to another instance by live migration and continues there. Terminal on this
     * instance: a caller follows it by re-attaching to {@code dstInstanceId} at {@code dstAddress} from token
     * {@code nextIndex} (the destination buffers tokens produced before the caller arrives). A one-instance
     * server relays it to native clients (e.g. an SSE event {@code migrated}); plain OpenAI clients never
     * see it because only a llumlet-managed cluster migrates.
     *
     * @param nextIndex index of the first token the destination produces
     */
    record Migrated(String requestId, String dstInstanceId, String dstAddress, int nextIndex) implements RequestEvent {}

    /** The request could not be served. */
    record Failed(String requestId, ErrorCode code, String message) implements RequestEvent {}

    default boolean isTerminal() {
        return !(this instanceof Token);
    }
}
