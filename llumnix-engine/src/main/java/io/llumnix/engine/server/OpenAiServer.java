package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.LlmEngine;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible HTTP front of one {@link LlmEngine} (what {@code llumnix engine} serves).
 *
 * <ul>
 *   <li>{@code POST /v1/completions}: {@code prompt} as a string (encoded with BOS, as llama2.c does) or an
 *       array of token ids (used as given); {@code max_tokens} (default 16), {@code temperature} (default 1),
 *       {@code top_p}, {@code seed}, {@code stop}, {@code stream}, {@code stream_options.include_usage}, and
 *       the extensions {@code top_k}, {@code ignore_eos}, {@code priority} (higher runs first) and
 *       {@code return_token_ids}. {@code n}, {@code best_of} must be 1 and {@code echo} false.
 *   <li>{@code POST /v1/chat/completions}: the same parameters, plus {@code messages} rendered by
 *       {@link ChatTemplate} (contents joined by newlines; the reply continues that text) and
 *       {@code max_completion_tokens}; the default length is the rest of the context window.
 *   <li>{@code GET /v1/models}, {@code GET /health}, {@code GET /metrics} (Prometheus text under vLLM's
 *       names, see {@link ServerMetrics}), {@code GET /internal/status} (the latest
 *       {@link io.llumnix.engine.EngineSnapshot} as JSON, for the llumlet).
 * </ul>
 *
 * <p>Streaming answers are server-sent events ({@code data: {chunk}\n\n}, then {@code data: [DONE]}); the
 * text of each chunk is what the engine's incremental UTF-8 decoder released. Errors are OpenAI error
 * objects: 400 for invalid input (malformed JSON, wrong types, out-of-range values, prompt too long for the
 * context), 404 {@code model_not_found} for a model name other than the served one (as OpenAI does), 404
 * for unknown routes, 405 for a wrong method, 413 for bodies over the limit. A client that disconnects
 * aborts its request in the engine.
 *
 * <pre>{@code
 * try (OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 8000))) {
 *     System.out.println(server.baseUrl());
 * }
 * }</pre>
 *
 * <p>Thread-safe. The server does not own the engine: close the engine after the server.
 */
public final class OpenAiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenAiServer.class);

    private enum Route {
        COMPLETIONS(HttpMethod.POST),
        CHAT_COMPLETIONS(HttpMethod.POST),
        MODELS(HttpMethod.GET),
        HEALTH(HttpMethod.GET),
        METRICS(HttpMethod.GET),
        STATUS(HttpMethod.GET),
        ATTACH(HttpMethod.POST);

        final HttpMethod method;

        Route(HttpMethod method) {
            this.method = method;
        }
    }

    private static final Map<String, Route> ROUTES = Map.of(
            "/v1/completions", Route.COMPLETIONS,
            "/v1/chat/completions", Route.CHAT_COMPLETIONS,
            "/v1/models", Route.MODELS,
            "/health", Route.HEALTH,
            "/metrics", Route.METRICS,
            "/internal/status", Route.STATUS,
            "/internal/attach", Route.ATTACH);

    private final LlmEngine engine;
    private final OpenAiServerConfig config;
    private final Clock clock;
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final OpenAiRequestParser parser;
    private final ServerMetrics metrics;
    private final Vertx vertx;
    private final long createdEpochSeconds;
    private final String idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private final AtomicLong nextId = new AtomicLong();
    private volatile boolean closing;
    /** Header naming the engine request id (see {@link #callerRequestId}). */
    public static final String REQUEST_ID_HEADER = "X-Llumnix-Request-Id";
    private static final java.util.regex.Pattern CALLER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:#-]{1,128}");
    private volatile HandoffHandler handoff = HandoffHandler.NONE;
    private HttpServer server;

    private OpenAiServer(LlmEngine engine, OpenAiServerConfig config, Clock clock) {
        this.engine = requireNonNull(engine, "engine is null");
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.parser = new OpenAiRequestParser(mapper, engine.tokenizer(), engine.config().maxModelLen(), config.servedModelName());
        this.metrics = new ServerMetrics(config.servedModelName());
        this.createdEpochSeconds = clock.currentTimeMillis() / 1000;
        this.vertx = Vertx.vertx();
    }

    /** Binds and starts serving; returns once the port is open. */
    public static OpenAiServer start(LlmEngine engine, OpenAiServerConfig config) {
        return start(engine, config, Clock.system());
    }

    /** As {@link #start(LlmEngine, OpenAiServerConfig)}, measuring latencies with {@code clock} (the engine's). */
    public static OpenAiServer start(LlmEngine engine, OpenAiServerConfig config, Clock clock) {
        OpenAiServer s = new OpenAiServer(engine, config, clock);
        try {
            s.server = s.vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
                    .requestHandler(s::handle)
                    .listen()
                    .await();
        } catch (RuntimeException e) {
            s.vertx.close().await();
            throw new LlumnixException(ErrorCode.INTERNAL,
                    "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
        }
        return s;
    }

    /** The bound port (the real one when the config asked for 0). */
    /**
     * Prefill/decode disaggregation: what to do with a request carrying {@code pd_decode_llumlet} once its first token
     * exists (the llumlet migrates it). Without a handler such requests complete here.
     */
    public void handoffHandler(HandoffHandler handler) {
        this.handoff = requireNonNull(handler, "handler is null");
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code http://host:port}, without a trailing slash. */
    public String baseUrl() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    public String servedModelName() {
        return config.servedModelName();
    }

    /** Stops listening and closes open connections (their requests are aborted in the engine). */
    @Override
    public void close() {
        closing = true;
        try {
            vertx.close().await();
        } catch (RuntimeException e) {
            log.warn("error while closing the HTTP server: {}", e.toString());
        }
    }

    private void handle(HttpServerRequest req) {
        long arrivalNanos = clock.nanoTime();
        Route route = ROUTES.get(req.path());
        HttpServerResponse response = req.response();
        if (route == null) {
            sendError(response, OpenAiError.of(ErrorCode.NOT_FOUND, "No route " + req.method() + " " + req.path()));
            return;
        }
        if (!route.method.equals(req.method())) {
            response.putHeader("Allow", route.method.name());
            sendError(response, OpenAiError.methodNotAllowed(req.method().name(), req.path()));
            return;
        }
        try {
            switch (route) {
                case COMPLETIONS -> readBody(req, body -> serveCompletion(req, body, ApiRequest.Kind.COMPLETION, arrivalNanos));
                case CHAT_COMPLETIONS -> readBody(req, body -> serveCompletion(req, body, ApiRequest.Kind.CHAT, arrivalNanos));
                case MODELS -> sendJson(response, 200, mapper.writeValueAsString(models()));
                case HEALTH -> {
                    if (closing) {
                        sendError(response, OpenAiError.of(ErrorCode.OVERLOADED, "shutting down"));
                    } else {
                        sendJson(response, 200, "{\"status\":\"ok\"}");
                    }
                }
                case METRICS -> response.putHeader("Content-Type", PrometheusText.CONTENT_TYPE).end(metrics.render(engine.snapshot()));
                case STATUS -> sendJson(response, 200, mapper.writeValueAsString(engine.snapshot()));
                case ATTACH -> readBody(req, body -> serveAttach(req, body, arrivalNanos));
            }
        } catch (RuntimeException e) {
            internalError(response, e);
        }
    }

    /**
     * {@code POST /internal/attach?request_id=ID&from=N&kind=completion|chat} with the original request body:
     * continues, from token {@code N}, the answer to a request that migrated here. The response is formatted
     * exactly as the original endpoint's (same id), so a gateway can splice it into the client's stream.
     */
    private void serveAttach(HttpServerRequest req, Buffer body, long arrivalNanos) {
        HttpServerResponse response = req.response();
        try {
            String requestId = req.getParam("request_id", "");
            String kindName = req.getParam("kind", "completion");
            int from;
            try {
                from = Integer.parseInt(req.getParam("from", "0"));
            } catch (NumberFormatException e) {
                throw LlumnixException.invalid("from", "from must be a token index");
            }
            if (requestId.isBlank() || from < 0) {
                throw LlumnixException.invalid("request_id", "request_id and a non-negative from are required");
            }
            ApiRequest.Kind kind = switch (kindName) {
                case "chat" -> ApiRequest.Kind.CHAT;
                case "completion" -> ApiRequest.Kind.COMPLETION;
                default -> throw LlumnixException.invalid("kind", "kind must be completion or chat, got " + kindName);
            };
            byte[] bytes = body.getBytes();
            ApiRequest request = kind == ApiRequest.Kind.CHAT ? parser.parseChat(bytes) : parser.parseCompletion(bytes);
            OpenAiResponses responses = new OpenAiResponses(mapper, kind, responseId(kind, requestId), clock.currentTimeMillis() / 1000,
                    config.servedModelName());
            CompletionExchange exchange = new CompletionExchange(Vertx.currentContext(), response, engine, request, requestId, responses,
                    metrics, clock, arrivalNanos, handoff);
            if (!exchange.attach(from)) {
                sendError(response, OpenAiError.of(ErrorCode.NOT_FOUND, "no migrated request " + requestId + " awaits a caller here"));
            }
        } catch (LlumnixException e) {
            sendError(response, OpenAiError.of(e));
        }
    }

    /**
     * The engine request id a caller chose ({@value #REQUEST_ID_HEADER}): the gateway passes its own, so that this
     * instance's status names the requests by the ids the scheduler's dispatch ledger knows them by.
     */
    private static Optional<String> callerRequestId(HttpServerRequest req) {
        String id = req.getHeader(REQUEST_ID_HEADER);
        if (id == null) {
            return Optional.empty();
        }
        if (!CALLER_ID.matcher(id).matches()) {
            throw LlumnixException.invalid(REQUEST_ID_HEADER, REQUEST_ID_HEADER + " must be 1 to 128 letters, digits or ._:#-");
        }
        return Optional.of(id);
    }

    /** The OpenAI object id of an engine request: the same on every instance the request migrates to. */
    private static String responseId(ApiRequest.Kind kind, String requestId) {
        return (kind == ApiRequest.Kind.CHAT ? "chatcmpl-" : "cmpl-") + requestId;
    }

    private void serveCompletion(HttpServerRequest req, Buffer body, ApiRequest.Kind kind, long arrivalNanos) {
        HttpServerResponse response = req.response();
        try {
            byte[] bytes = body.getBytes();
            ApiRequest request = kind == ApiRequest.Kind.CHAT ? parser.parseChat(bytes) : parser.parseCompletion(bytes);
            String requestId = callerRequestId(req).orElseGet(() -> idPrefix + "-" + nextId.incrementAndGet());
            OpenAiResponses responses = new OpenAiResponses(mapper, kind, responseId(kind, requestId), clock.currentTimeMillis() / 1000,
                    config.servedModelName());
            Context context = Vertx.currentContext();
            new CompletionExchange(context, response, engine, request, requestId, responses, metrics, clock, arrivalNanos, handoff).start();
        } catch (LlumnixException e) {
            metrics.requestRejected();
            sendError(response, OpenAiError.of(e));
        } catch (RuntimeException e) {
            internalError(response, e);
        }
    }

    /** Collects the body up to the configured limit; beyond it answers 413 and closes the connection. */
    private void readBody(HttpServerRequest req, Consumer<Buffer> onBody) {
        int limit = config.maxBodyBytes();
        String contentLength = req.getHeader("Content-Length");
        if (contentLength != null) {
            long declared;
            try {
                declared = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit) {
                tooLarge(req, limit);
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > limit) {
                refused[0] = true;
                tooLarge(req, limit);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (!refused[0]) {
                onBody.accept(body);
            }
        });
        req.exceptionHandler(t -> log.debug("request body failed: {}", t.toString()));
    }

    private void tooLarge(HttpServerRequest req, int limit) {
        metrics.requestRejected();
        HttpServerResponse response = req.response();
        response.putHeader("Connection", "close");
        sendError(response, OpenAiError.of(ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds the limit of " + limit + " bytes"));
        response.closeHandler(null);
        req.connection().close();
    }

    private ObjectNode models() {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ObjectNode model = root.putArray("data").addObject();
        model.put("id", config.servedModelName());
        model.put("object", "model");
        model.put("created", createdEpochSeconds);
        model.put("owned_by", "llumnix");
        model.put("root", config.servedModelName());
        model.put("max_model_len", engine.config().maxModelLen());
        return root;
    }

    private void internalError(HttpServerResponse response, RuntimeException e) {
        log.error("internal error while serving a request", e);
        sendError(response, OpenAiError.of(ErrorCode.INTERNAL, "internal error: " + e));
    }

    private void sendError(HttpServerResponse response, OpenAiError error) {
        if (response.ended() || response.closed()) {
            return;
        }
        sendJson(response, error.httpStatus(), mapper.writeValueAsString(error.toJson(mapper)));
    }

    private static void sendJson(HttpServerResponse response, int status, String json) {
        if (response.headWritten()) {
            response.end();
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }
}
