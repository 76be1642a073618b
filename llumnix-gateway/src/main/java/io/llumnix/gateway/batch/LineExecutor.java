package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** Executes one batch line as the given owner would have sent it online. Implementations are thread-safe. */
interface LineExecutor extends AutoCloseable {

    /** What came back: an HTTP answer, or none at all. */
    sealed interface Outcome {}

    /**
     * An HTTP answer.
     *
     * @param retryAfterSeconds the {@code Retry-After} header, if any
     */
    record Answered(int statusCode, String requestId, String body, Optional<Long> retryAfterSeconds) implements Outcome {
        public Answered {
            requireNonNull(requestId, "requestId is null");
            requireNonNull(body, "body is null");
            requireNonNull(retryAfterSeconds, "retryAfterSeconds is null");
        }
    }

    /** No answer: the connection failed or broke. */
    record Unanswered(String reason) implements Outcome {
        public Unanswered {
            requireNonNull(reason, "reason is null");
        }
    }

    /** Sends {@code line} on behalf of {@code owner} (an API key's name, empty when open) and waits for the answer. */
    Outcome execute(BatchLine line, String owner) throws InterruptedException;

    @Override
    void close();
}
