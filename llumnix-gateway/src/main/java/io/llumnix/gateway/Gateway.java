package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.gateway.batch.BatchApi;
import io.llumnix.gateway.batch.BatchConfig;
import io.llumnix.scheduler.SchedulerClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible front door of a cluster (Vert.x). Routes:
 * <ul>
 *   <li>{@code POST /v1/completions}, {@code POST /v1/chat/completions}: streaming and not, relayed through a
 *       {@link CompletionProxy} (scheduling, retries, migration following, resume on failure);</li>
 *   <li>{@code GET /v1/models}: the models the known instances serve;</li>
 *   <li>{@code GET /health}: 200 while an instance is known, else 503;</li>
 *   <li>{@code GET /metrics}: Prometheus text (requests by status, latency and time-to-first-byte histograms,
 *       in flight, queued, retries, resumes, migrations followed, refusals);</li>
 *   <li>{@code GET /api/cluster}: the live cluster as JSON ({@link ClusterApi}): instances from the
 *       {@link ClusterView} supplier, the migrations this gateway followed recently, its counters;</li>
 *   <li>{@code GET /dashboard}: a self-contained page that polls {@code /api/cluster} twice a second.</li>
 * </ul>
 * With API keys configured, {@code /api/cluster} answers loopback clients without a key (an operator on the host,
 * {@code llumnix status}) and everyone else only with a valid key, like the OpenAI routes; the page {@code /dashboard}
 * itself holds no data and is open (from elsewhere, open it as {@code /dashboard#key=<key>} and it sends the key).
 * {@code /health} and {@code /metrics} are open, as probes and scrapers expect. With {@link #enableBatches} the gateway
 * also serves the OpenAI Files and Batches API ({@code /v1/files}, {@code /v1/batches}). With {@link #manageTraffic} it
 * splits requests over weighted backend pools and mirrors a sampled fraction to a shadow pool ({@link TrafficPolicy}).
 * Every error is an OpenAI error object from {@link ErrorCode}: 401 without a valid key (when keys are
 * configured), 429 with {@code Retry-After} over a key's limits or when the admission queue is full, 413 for bodies
 * over the limit, 431 for oversized headers, 400 for bodies the gateway cannot read, 404/405 for unknown routes or
 * methods, 502/503 when no instance can serve. The priority class comes from {@code X-Llumnix-Priority:
 * high|normal|low} and becomes the engine's request priority (1, 0, -1).
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(GatewayConfig.defaults(), scheduler, directory, ModelCatalog.estimating(),
 *         ApiKeys.open(), Clock.system())) {
 *     System.out.println(gateway.baseUrl());
 * }
 * }</pre>
 *
 * <p>Thread-safe. The gateway does not own the scheduler client or the directory.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** The request header that picks a priority class. */
    public static final String PRIORITY_HEADER = "X-Llumnix-Priority";

    /** Followed migrations kept for {@code /api/cluster}. */
    static final int MIGRATIONS_SHOWN = 50;

    private static final Map<String, Integer> PRIORITY_CLASSES = Map.of("high", 1, "normal", 0, "low", -1);

    private enum Route {
        COMPLETIONS(HttpMethod.POST),
        CHAT_COMPLETIONS(HttpMethod.POST),
        MODELS(HttpMethod.GET),
        HEALTH(HttpMethod.GET),
        METRICS(HttpMethod.GET),
        CLUSTER(HttpMethod.GET),
        DASHBOARD(HttpMethod.GET);

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
            "/api/cluster", Route.CLUSTER,
            "/dashboard", Route.DASHBOARD);

    private final GatewayConfig config;
    private final BackendDirectory directory;
    private final ModelCatalog catalog;
    private final ApiKeys apiKeys;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Vertx vertx;
    private final CompletionProxy.Shared shared;
    private final ClientRequestParser parser;
    private final AdmissionQueue admission;
    private final InstancePicker picker;
    private final GatewayMetrics metrics;
    private final ClusterApi clusterApi;
    private final String idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private final AtomicLong nextId = new AtomicLong();
    private final long createdEpochSeconds;
    private HttpServer server;
    private volatile Optional<BatchApi> batches = Optional.empty();
    private volatile Optional<PoolSplitter> pools = Optional.empty();
    private volatile Optional<RequestMirror> mirror = Optional.empty();

    private Gateway(GatewayConfig config, SchedulerClient scheduler, BackendDirectory directory, ModelCatalog catalog, ApiKeys apiKeys,
            Clock clock, Supplier<ClusterView> clusterView) {
        this.config = requireNonNull(config, "config is null");
        this.directory = requireNonNull(directory, "directory is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.apiKeys = requireNonNull(apiKeys, "apiKeys is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.picker = new InstancePicker(requireNonNull(scheduler, "scheduler is null"), directory);
        this.admission = new AdmissionQueue(config.maxInFlight(), config.maxQueued());
        this.metrics = new GatewayMetrics(admission::queued, picker::fallbacks);
        this.parser = new ClientRequestParser(json, catalog);
        this.createdEpochSeconds = clock.currentTimeMillis() / 1000;
        this.vertx = Vertx.vertx();
        HttpClientAgent client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) config.connectTimeout().toMillis()),
                new PoolOptions().setHttp1MaxSize(Math.max(64, config.maxInFlight())));
        MigrationLog migrations = new MigrationLog(MIGRATIONS_SHOWN);
        this.shared = new CompletionProxy.Shared(client, picker, config, metrics, json, catalog, admission, new RateLimiter(clock), clock,
                migrations);
        this.clusterApi = new ClusterApi(requireNonNull(clusterView, "clusterView is null"), migrations, metrics, admission::queued,
                picker::fallbacks, clock, json);
    }

    /** Binds and starts serving with an empty cluster view; returns once the port is open. */
    public static Gateway start(GatewayConfig config, SchedulerClient scheduler, BackendDirectory directory, ModelCatalog catalog,
            ApiKeys apiKeys, Clock clock) {
        return start(config, scheduler, directory, catalog, apiKeys, clock, ClusterView::empty);
    }

    /**
     * Binds and starts serving; returns once the port is open. {@code clusterView} feeds {@code /api/cluster} and the
     * dashboard; it is called on the event loop, so it must be cheap and non-blocking (read a snapshot).
     */
    public static Gateway start(GatewayConfig config, SchedulerClient scheduler, BackendDirectory directory, ModelCatalog catalog,
            ApiKeys apiKeys, Clock clock, Supplier<ClusterView> clusterView) {
        Gateway g = new Gateway(config, scheduler, directory, catalog, apiKeys, clock, clusterView);
        try {
            g.server = g.vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
                            .setMaxHeaderSize(config.maxHeaderBytes()).setMaxInitialLineLength(8192))
                    .requestHandler(g::handle)
                    .invalidRequestHandler(g::invalidRequest)
                    .listen()
                    .await();
        } catch (RuntimeException e) {
            g.vertx.close().await();
            throw new LlumnixException(ErrorCode.INTERNAL, "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
        }
        return g;
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code http://host:port}, without a trailing slash. */
    public String baseUrl() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    /** Requests being served right now. */
    public int inFlight() {
        return metrics.inFlight();
    }

    /** Streams resumed on another instance after a failure, so far. */
    public long resumes() {
        return (long) metrics.resumes();
    }

    /** Attempts retried on another instance before the first byte, so far. */
    public long retries() {
        return (long) metrics.retries();
    }

    /** Live migrations followed, so far. */
    public long migrationsFollowed() {
        return (long) metrics.migrationsFollowed();
    }

    /**
     * Serves the Files and Batches API ({@link BatchApi}) from {@code batchConfig}'s directory and resumes its unfinished
     * batches. Lines run through this gateway's own front door with the owner's key, at priority class {@code low}.
     * Blocking (reads the directory); call once, after {@link #start}.
     */
    public synchronized void enableBatches(BatchConfig batchConfig) {
        if (batches.isPresent()) {
            throw new IllegalStateException("the batch API is already enabled");
        }
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host().equals("::") ? "::1" : config.host();
        URI self = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
        batches = Optional.of(BatchApi.start(batchConfig, self, Map.of(PRIORITY_HEADER, "low"),
                owner -> apiKeys.named(owner).map(ApiKeys.Key::key), clock));
    }

    /**
     * Splits traffic over {@code policy}'s pools by weight and mirrors its sampled fraction to its shadow pool
     * ({@link TrafficPolicy}). Call once, after {@link #start} and before announcing the gateway.
     */
    public synchronized void manageTraffic(TrafficPolicy policy) {
        requireNonNull(policy, "policy is null");
        if (pools.isPresent() || mirror.isPresent()) {
            throw new IllegalStateException("traffic management is already configured");
        }
        if (!policy.pools().isEmpty()) {
            pools = Optional.of(new PoolSplitter(policy.pools(), policy.seed(), directory, metrics.registry()));
        }
        mirror = policy.mirror().map(m -> new RequestMirror(vertx, m, policy.seed(), metrics.registry()));
    }

    @Override
    public void close() {
        batches.ifPresent(BatchApi::close);
        try {
            vertx.close().await();
        } catch (RuntimeException e) {
            log.warn("error while closing the gateway: {}", e.toString());
        }
    }

    private void handle(HttpServerRequest req) {
        long arrivalNanos = clock.nanoTime();
        HttpServerResponse resp = req.response();
        Route route = ROUTES.get(req.path());
        if (route == null && batches.isPresent() && BatchApi.owns(req.path())) {
            Optional<ApiKeys.Key> key = authenticate(req);
            if (key.isPresent() || !apiKeys.enabled()) {
                batches.get().handle(req, key.map(ApiKeys.Key::name).orElse(""));
            }
            return;
        }
        if (route == null) {
            count(req.path().startsWith("/v1/") ? req.path() : "other",
                    OpenAiErrors.send(resp, ErrorCode.NOT_FOUND, "No route " + req.method() + " " + truncate(req.path())), arrivalNanos);
            return;
        }
        if (!route.method.equals(req.method())) {
            resp.putHeader("Allow", route.method.name());
            count(req.path(), OpenAiErrors.send(resp, ErrorCode.METHOD_NOT_ALLOWED, "Method " + req.method() + " is not allowed on " + req.path()),
                    arrivalNanos);
            return;
        }
        try {
            switch (route) {
                case HEALTH -> {
                    int known = directory.instances().size();
                    resp.setStatusCode(known > 0 ? 200 : 503).putHeader("Content-Type", "application/json")
                            .end("{\"status\":\"" + (known > 0 ? "ok" : "unavailable") + "\",\"instances\":" + known + "}");
                }
                case METRICS -> resp.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
                case CLUSTER -> {
                    if (apiKeys.enabled() && !loopback(req) && authenticate(req).isEmpty()) {
                        return;
                    }
                    resp.putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(clusterApi.render());
                }
                case DASHBOARD -> DashboardPage.send(resp);
                case MODELS -> {
                    Optional<ApiKeys.Key> key = authenticate(req);
                    if (key.isEmpty() && apiKeys.enabled()) {
                        return;
                    }
                    resp.putHeader("Content-Type", "application/json").end(json.writeValueAsString(models()));
                }
                case COMPLETIONS -> completion(req, ClientRequest.Endpoint.COMPLETIONS, arrivalNanos);
                case CHAT_COMPLETIONS -> completion(req, ClientRequest.Endpoint.CHAT_COMPLETIONS, arrivalNanos);
            }
        } catch (RuntimeException e) {
            log.error("internal error while serving {}", req.path(), e);
            OpenAiErrors.send(resp, ErrorCode.INTERNAL, "internal error: " + e);
        }
    }

    /** Malformed HTTP (oversized headers or request line, bad encoding): answer 4xx, never 5xx. */
    private void invalidRequest(HttpServerRequest req) {
        io.vertx.core.http.HttpServerResponse resp = req.response();
        Throwable cause = req.decoderResult().cause();
        String message = cause == null ? "malformed request" : cause.getMessage();
        int status = message != null && message.contains("header") ? 431 : message != null && message.contains("line") ? 414 : 400;
        resp.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
            resp.putHeader("Connection", "close");
        }
        resp.end(OpenAiErrors.body(ErrorCode.INVALID_REQUEST, "Malformed HTTP request: " + message, Optional.empty()))
                .onComplete(v -> req.connection().close());
        metrics.requestFinished("invalid", status, -1);
    }

    private void completion(HttpServerRequest req, ClientRequest.Endpoint endpoint, long arrivalNanos) {
        HttpServerResponse resp = req.response();
        String route = endpoint.path;
        Optional<ApiKeys.Key> key = authenticate(req);
        if (key.isEmpty() && apiKeys.enabled()) {
            count(route, 401, arrivalNanos);
            return;
        }
        OptionalInt priority;
        String priorityClass = req.getHeader(PRIORITY_HEADER);
        if (priorityClass == null) {
            priority = OptionalInt.empty();
        } else {
            Integer p = PRIORITY_CLASSES.get(priorityClass.strip().toLowerCase(Locale.ROOT));
            if (p == null) {
                count(route, OpenAiErrors.send(resp, ErrorCode.INVALID_REQUEST, PRIORITY_HEADER + " must be one of "
                        + new TreeSet<>(PRIORITY_CLASSES.keySet()) + ", got '" + truncate(priorityClass) + "'", Optional.of(PRIORITY_HEADER)),
                        arrivalNanos);
                return;
            }
            priority = OptionalInt.of(p);
        }
        Context context = Vertx.currentContext();
        readBody(req, route, arrivalNanos, body -> {
            ClientRequest request;
            try {
                request = parser.parse(endpoint, body.getBytes(), priority);
            } catch (LlumnixException e) {
                count(route, OpenAiErrors.send(resp, e.code(), String.valueOf(e.getMessage()), e.param()), arrivalNanos);
                return;
            }
            if (key.isPresent()) {
                RateLimiter.Verdict verdict = shared.limiter().admit(key.get(), request.promptIds().length);
                if (!verdict.admitted()) {
                    metrics.rateLimited();
                    resp.putHeader("Retry-After", Long.toString(verdict.retryAfterSeconds()));
                    count(route, OpenAiErrors.send(resp, ErrorCode.RATE_LIMITED, "Rate limit of API key '" + key.get().name() + "' reached: "
                            + verdict.limit() + "; retry after " + verdict.retryAfterSeconds() + " s"), arrivalNanos);
                    return;
                }
            }
            String requestId = "gw-" + idPrefix + "-" + nextId.incrementAndGet();
            Set<String> outsidePool = pools.map(p -> p.route().excludedInstanceIds()).orElse(Set.of());
            mirror.ifPresent(m -> m.offer(route, request.rawBody()));
            new CompletionProxy(shared, context, resp, request, requestId, key, arrivalNanos, outsidePool).enter();
        });
    }

    /** Whether the client connects from this host (its requests to the cluster view need no key). */
    private static boolean loopback(HttpServerRequest req) {
        if (req.remoteAddress() == null || req.remoteAddress().hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.ofLiteral(req.remoteAddress().hostAddress()).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The caller's key, or empty after answering 401 (only when keys are configured). */
    private Optional<ApiKeys.Key> authenticate(HttpServerRequest req) {
        if (!apiKeys.enabled()) {
            return Optional.empty();
        }
        Optional<ApiKeys.Key> key = apiKeys.authenticate(req.getHeader("Authorization"));
        if (key.isEmpty()) {
            req.response().putHeader("WWW-Authenticate", "Bearer");
            OpenAiErrors.send(req.response(), ErrorCode.UNAUTHORIZED, req.getHeader("Authorization") == null
                    ? "Missing API key: send Authorization: Bearer <key>"
                    : "Invalid API key");
        }
        return key;
    }

    /** Collects the body up to the limit; beyond it answers 413 and closes the connection. */
    private void readBody(HttpServerRequest req, String route, long arrivalNanos, Consumer<Buffer> onBody) {
        int limit = config.maxBodyBytes();
        String contentLength = req.getHeader("Content-Length");
        if (contentLength != null) {
            long declared;
            try {
                declared = Long.parseLong(contentLength.strip());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit) {
                tooLarge(req, route, limit, arrivalNanos);
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
                tooLarge(req, route, limit, arrivalNanos);
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

    private void tooLarge(HttpServerRequest req, String route, int limit, long arrivalNanos) {
        HttpServerResponse resp = req.response();
        boolean http1 = req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
        if (http1) {
            resp.putHeader("Connection", "close"); // the rest of the body would otherwise have to be read
        }
        count(route, OpenAiErrors.send(resp, ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds the limit of " + limit + " bytes"),
                arrivalNanos);
        if (http1) {
            req.connection().close();
        }
    }

    private ObjectNode models() {
        TreeSet<String> names = new TreeSet<>(catalog.models());
        for (InstanceMetadata m : directory.instances()) {
            if (!m.modelName().isEmpty()) {
                names.add(m.modelName());
            }
        }
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String name : names) {
            ObjectNode model = data.addObject();
            model.put("id", name);
            model.put("object", "model");
            model.put("created", createdEpochSeconds);
            model.put("owned_by", "llumnix");
            int maxModelLen = catalog.profile(name).maxModelLen();
            if (maxModelLen > 0) {
                model.put("max_model_len", maxModelLen);
            }
        }
        return root;
    }

    private void count(String route, int status, long arrivalNanos) {
        metrics.requestFinished(route, status, clock.nanoTime() - arrivalNanos);
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
