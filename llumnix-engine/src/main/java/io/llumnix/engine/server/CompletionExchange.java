package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.Arrays;
import java.util.Optional;

/**
 * One completion request in flight: submits it to the engine, turns the engine's events into an OpenAI
 * response (one JSON body, or server-sent events ending in {@code data: [DONE]}), and aborts the request in
 * the engine as soon as the client goes away, so its KV blocks are freed.
 *
 * <p>Thread confinement: {@link #onEvent} runs on the engine's step thread and only hops to the Vert.x
 * context of the HTTP connection; all other methods and all state live on that context. Writes never block:
 * SSE chunks are small and Vert.x queues them when the socket is slow.
 */
final class CompletionExchange implements RequestListener {

    private static final String DONE = "data: [DONE]\n\n";

    private final Context context;
    private final HttpServerResponse response;
    private final LlmEngine engine;
    private final ApiRequest request;
    private final String requestId;
    private final OpenAiResponses responses;
    private final ServerMetrics metrics;
    private final Clock clock;
    private final long arrivalNanos;
    private final HandoffHandler handoff;
    /** Set before submitting a request that names a decode instance; read and cleared on the step thread. */
    private volatile boolean handoffPending;

    // Confined to the Vert.x context.
    private final StringBuilder text = new StringBuilder();
    private int[] generated = new int[16];
    private int numGenerated;
    private long lastTokenNanos = Long.MIN_VALUE;
    private boolean terminated;
    private boolean clientGone;
    /** False for a re-attached caller: its replayed tokens would distort the latency histograms. */
    private boolean recordLatency = true;

    CompletionExchange(Context context, HttpServerResponse response, LlmEngine engine, ApiRequest request, String requestId,
            OpenAiResponses responses, ServerMetrics metrics, Clock clock, long arrivalNanos, HandoffHandler handoff) {
        this.context = requireNonNull(context, "context is null");
        this.response = requireNonNull(response, "response is null");
        this.engine = requireNonNull(engine, "engine is null");
        this.request = requireNonNull(request, "request is null");
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.responses = requireNonNull(responses, "responses is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.arrivalNanos = arrivalNanos;
        this.handoff = requireNonNull(handoff, "handoff is null");
    }

    /**
     * Submits the request. An invalid request throws {@link io.llumnix.core.LlumnixException} before anything
     * is written, so the caller can still answer with an error status.
     */
    void start() {
        handoffPending = !request.decodeHandoff().isEmpty();
        engine.submit(new GenerateRequest(requestId, request.promptTokens(), request.params(), request.priority()), this);
        begin(true);
    }

    /**
     * Re-attaches to a request that migrated to this engine, answering from token {@code fromIndex} on (0
     * replays everything, which is how a non-streaming answer is rebuilt whole). False, with nothing written,
     * when no migrated request of that id awaits a caller here.
     */
    boolean attach(int fromIndex) {
        recordLatency = false;
        if (!engine.attach(requestId, fromIndex, this)) {
            return false;
        }
        begin(fromIndex == 0);
        return true;
    }

    private void begin(boolean firstResponse) {
        response.closeHandler(v -> clientGone());
        response.exceptionHandler(t -> clientGone());
        if (request.stream()) {
            response.setChunked(true);
            response.putHeader("Content-Type", "text/event-stream; charset=utf-8");
            response.putHeader("Cache-Control", "no-cache");
            response.putHeader("X-Request-Id", requestId);
            if (request.kind() == ApiRequest.Kind.CHAT && firstResponse) {
                writeEvent(responses.roleChunk());
            } else {
                response.writeHead();
            }
        }
    }

    @Override
    public void onEvent(RequestEvent event) {
        // Engine step thread: never block, never touch the response here.
        if (handoffPending && event instanceof RequestEvent.Token t && t.index() == 0) {
            // Prefill done on this (prefill) instance: move the request to its decode instance.
            handoffPending = false;
            handoff.prefillDone(requestId, request.decodeHandoff());
        }
        context.runOnContext(v -> handle(event));
    }

    private void handle(RequestEvent event) {
        if (terminated) {
            return;
        }
        switch (event) {
            case RequestEvent.Token t -> onToken(t);
            case RequestEvent.Finished f -> onFinished(f);
            case RequestEvent.Failed f -> onFailed(f);
            case RequestEvent.Migrated m -> onMigrated(m);
        }
    }

    private void onToken(RequestEvent.Token t) {
        if (!recordLatency) {
            // replayed or relayed after a migration: measured where the request started
        } else if (lastTokenNanos == Long.MIN_VALUE) {
            metrics.timeToFirstToken(t.nanoTime() - arrivalNanos);
        } else {
            metrics.interTokenLatency(t.nanoTime() - lastTokenNanos);
        }
        lastTokenNanos = t.nanoTime();
        if (numGenerated == generated.length) {
            generated = Arrays.copyOf(generated, generated.length * 2);
        }
        generated[numGenerated++] = t.tokenId();
        if (clientGone) {
            return;
        }
        if (request.stream()) {
            if (!t.text().isEmpty() || request.returnTokenIds()) {
                Optional<int[]> ids = request.returnTokenIds() ? Optional.of(new int[] {t.tokenId()}) : Optional.empty();
                writeEvent(responses.chunk(t.text(), Optional.empty(), ids, request.includeUsage()));
            }
        } else {
            text.append(t.text());
        }
    }

    private void onFinished(RequestEvent.Finished f) {
        terminated = true;
        metrics.requestFinished(f.reason(), clock.nanoTime() - arrivalNanos);
        if (clientGone) {
            return;
        }
        OpenAiResponses.Usage usage = new OpenAiResponses.Usage(f.promptTokens(), f.completionTokens());
        if (request.stream()) {
            Optional<int[]> ids = request.returnTokenIds() ? Optional.of(new int[0]) : Optional.empty();
            writeEvent(responses.chunk(f.text(), Optional.of(f.reason()), ids, request.includeUsage()));
            if (request.includeUsage()) {
                writeEvent(responses.usageChunk(usage));
            }
            response.end(DONE);
        } else {
            text.append(f.text());
            Optional<OpenAiResponses.TokenIds> ids = request.returnTokenIds()
                    ? Optional.of(new OpenAiResponses.TokenIds(request.promptTokens(), Arrays.copyOf(generated, numGenerated)))
                    : Optional.empty();
            response.putHeader("Content-Type", "application/json");
            response.putHeader("X-Request-Id", requestId);
            response.end(responses.complete(text.toString(), f.reason(), usage, ids));
        }
    }

    private void onFailed(RequestEvent.Failed f) {
        terminated = true;
        metrics.requestFailed();
        if (clientGone) {
            return;
        }
        OpenAiError error = OpenAiError.of(f.code(), f.message());
        if (request.stream()) {
            writeEvent(responses.error(error));
            response.end(DONE);
        } else {
            response.setStatusCode(error.httpStatus());
            response.putHeader("Content-Type", "application/json");
            response.end(responses.error(error));
        }
    }

    /**
     * The request continues on another instance (only in a llumlet-managed cluster). A stream ends with an
     * {@code event: migrated} SSE event that tells the gateway where to re-attach, without {@code [DONE]};
     * a non-streaming caller gets a 503 error of type {@code migrated} carrying the same fields.
     */
    private void onMigrated(RequestEvent.Migrated m) {
        terminated = true;
        if (clientGone) {
            return;
        }
        String json = responses.migrated(m);
        if (request.stream()) {
            if (!response.closed() && !response.ended()) {
                response.end("event: migrated\ndata: " + json + "\n\n");
            }
        } else {
            response.setStatusCode(503);
            response.putHeader("Content-Type", "application/json");
            response.end(responses.migratedError(m));
        }
    }

    private void clientGone() {
        if (clientGone) {
            return;
        }
        clientGone = true;
        if (!terminated) {
            // Frees the request's KV blocks; the engine answers with Finished(ABORT), which we only count.
            engine.abort(requestId);
        }
    }

    private void writeEvent(String json) {
        if (!response.closed() && !response.ended()) {
            response.write("data: " + json + "\n\n");
        }
    }
}
