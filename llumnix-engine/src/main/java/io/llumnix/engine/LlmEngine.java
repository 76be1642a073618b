package io.llumnix.engine;

import io.llumnix.core.Clock;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.tokenizer.Tokenizer;

/**
 * One running engine instance: a dedicated step thread drives the continuous-batching loop over a
 * {@link ModelExecutor}; callers submit and abort from any thread and receive events on the step thread.
 *
 * <p>Thread-safe.
 */
public final class LlmEngine implements AutoCloseable {

    // Placeholder signatures while the step loop is being written (same session); see EngineCore.
    private LlmEngine() {}

    /** Starts the step thread. The engine owns {@code executor} and closes it on {@link #close()}. */
    public static LlmEngine start(String servedModelName, EngineConfig config, ModelExecutor executor, Tokenizer tokenizer, Clock clock) {
        throw new IllegalStateException("step loop not yet written");
    }

    public String servedModelName() { throw new IllegalStateException(); }

    public ModelShape shape() { throw new IllegalStateException(); }

    public Tokenizer tokenizer() { throw new IllegalStateException(); }

    public EngineConfig config() { throw new IllegalStateException(); }

    /**
     * Queues a request. Invalid requests (empty prompt, token id outside the vocabulary, prompt plus
     * max_tokens beyond the context window, duplicate id) throw {@link io.llumnix.core.LlumnixException}
     * synchronously and never reach the queue.
     */
    public void submit(GenerateRequest request, RequestListener listener) { throw new IllegalStateException(); }

    /** Aborts a live request; its listener then receives {@code Finished(ABORT)}. Unknown ids are ignored. */
    public void abort(String requestId) { throw new IllegalStateException(); }

    /** The state after the latest step. */
    public EngineSnapshot snapshot() { throw new IllegalStateException(); }

    @Override
    public void close() {}
}
