package io.llumnix.scheduler.service;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.autoscale.AutoscaleAdvice;
import io.llumnix.scheduler.autoscale.AutoscaleAdvisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves a {@link Scheduler} to gateways in other processes over HTTP/JSON (the JDK's HTTP server, one virtual
 * thread per exchange). A decision costs what it costs in process plus one loopback round trip; no lock is held
 * across I/O. Every call names its gateway, which renews the gateway's lease; a reaper releases the in-flight
 * entries of gateways whose lease expired (see {@link GatewayLeases}). Optionally also serves the
 * {@link AutoscaleAdvisor}'s advice and Prometheus metrics.
 *
 * <p>Errors are OpenAI-style JSON bodies with the {@link ErrorCode}'s status: malformed calls 400, a missing or
 * wrong token 401, unknown paths 404, wrong methods 405. Thread-safe.
 *
 * <pre>{@code
 * try (var service = SchedulerHttpService.start(scheduler, Optional.of(advisor), SchedulerServiceConfig.local(), clock);
 *      var client = new HttpSchedulerClient(service.baseUri(), "gw-1", "", Duration.ofSeconds(2), Duration.ofSeconds(1))) {
 *     ScheduleDecision d = client.schedule(ScheduleRequest.of("req-1", 120));
 * }
 * }</pre>
 */
public final class SchedulerHttpService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulerHttpService.class);
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final Scheduler scheduler;
    private final Optional<AutoscaleAdvisor> advisor;
    private final SchedulerServiceConfig config;
    private final GatewayLeases leases;
    private final HttpServer server;
    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService reaper;
    private final JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final byte[] expectedAuth;
    private final AtomicLong decisions = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();

    private SchedulerHttpService(Scheduler scheduler, Optional<AutoscaleAdvisor> advisor, SchedulerServiceConfig config, Clock clock)
            throws IOException {
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.advisor = requireNonNull(advisor, "advisor is null");
        this.config = requireNonNull(config, "config is null");
        this.leases = new GatewayLeases(scheduler.ledger(), requireNonNull(clock, "clock is null"), config.gatewayLeaseTimeout().toNanos());
        this.expectedAuth = ("Bearer " + config.authToken()).getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
        server.setExecutor(exchanges);
        server.createContext("/", this::handle);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llumnix-gateway-lease-reaper");
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds and starts serving. */
    public static SchedulerHttpService start(Scheduler scheduler, Optional<AutoscaleAdvisor> advisor, SchedulerServiceConfig config,
            Clock clock) {
        SchedulerHttpService s;
        try {
            s = new SchedulerHttpService(scheduler, advisor, config, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the scheduler on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        s.server.start();
        long period = Math.max(1, config.gatewayLeaseTimeout().toMillis() / 4);
        s.reaper.scheduleWithFixedDelay(s::reapQuietly, period, period, TimeUnit.MILLISECONDS);
        log.info("scheduler service listening on {}", s.baseUri());
        return s;
    }

    /** {@code http://host:port}. */
    public java.net.URI baseUri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return java.net.URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
    }

    /** Gateways holding a live lease. */
    public int gateways() {
        return leases.gateways();
    }

    /** In-flight entries released because their gateway's lease expired. */
    public long reclaimedRequests() {
        return reclaimed.get();
    }

    @Override
    public void close() {
        reaper.shutdownNow();
        server.stop(0);
        exchanges.shutdownNow();
    }

    private void reapQuietly() {
        try {
            List<String> released = leases.reap();
            if (!released.isEmpty()) {
                reclaimed.addAndGet(released.size());
                log.warn("released {} in-flight requests of gateways whose keepalive stopped", released.size());
            }
        } catch (RuntimeException e) {
            log.error("gateway lease reaping failed", e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        // The catch blocks still answer on the exchange, so it is closed only after them.
        try (ex) {
            try {
                route(ex);
            } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
                error(ex, ErrorCode.INVALID_REQUEST, e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (RuntimeException | Error e) {
                log.error("scheduler service call {} failed", ex.getRequestURI(), e);
                error(ex, ErrorCode.INTERNAL, e.toString());
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            error(ex, ErrorCode.UNAUTHORIZED, "missing or wrong internal auth token");
            return;
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        switch (path) {
            case "/v1/schedule" -> post(ex, method, () -> schedule(ex));
            case "/v1/release" -> post(ex, method, () -> release(ex));
            case "/v1/keepalive" -> post(ex, method, () -> keepalive(ex));
            case "/v1/autoscale" -> get(ex, method, () -> autoscale(ex));
            case "/metrics" -> get(ex, method, () -> metrics(ex));
            case "/health" -> get(ex, method, () -> send(ex, 200, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
            default -> error(ex, ErrorCode.NOT_FOUND, "no such endpoint: " + path);
        }
    }

    private interface Handler {
        void run() throws IOException;
    }

    private void post(HttpExchange ex, String method, Handler h) throws IOException {
        if (!method.equals("POST")) {
            methodNotAllowed(ex, "POST");
        } else {
            h.run();
        }
    }

    private void get(HttpExchange ex, String method, Handler h) throws IOException {
        if (!method.equals("GET")) {
            methodNotAllowed(ex, "GET");
        } else {
            h.run();
        }
    }

    private void schedule(HttpExchange ex) throws IOException {
        Wire.ScheduleCall call = read(ex, Wire.ScheduleCall.class);
        String gateway = requireGateway(call.gatewayId());
        ScheduleRequest request = new ScheduleRequest(requireNonNull(call.requestId(), "requestId is required"),
                requireNonNull(call.targetType(), "targetType is required"), call.promptTokens(),
                call.blockHashes() == null ? List.of() : call.blockHashes(), call.role() == null ? "" : call.role(),
                call.excludedInstanceIds() == null ? Set.of() : Set.copyOf(call.excludedInstanceIds()), call.priority());
        leases.touch(gateway);
        ScheduleDecision decision = scheduler.schedule(request);
        decisions.incrementAndGet();
        Wire.ScheduleReply reply = switch (decision) {
            case ScheduleDecision.Dispatched d -> {
                leases.dispatched(gateway, request.requestId());
                yield new Wire.ScheduleReply(true, d.instanceId(), d.instance(), d.fallback(), null);
            }
            case ScheduleDecision.NoInstance n -> new Wire.ScheduleReply(false, null, null, false, n.reason());
        };
        sendJson(ex, 200, reply);
    }

    private void release(HttpExchange ex) throws IOException {
        Wire.ReleaseCall call = read(ex, Wire.ReleaseCall.class);
        String gateway = requireGateway(call.gatewayId());
        String id = requireNonNull(call.requestId(), "requestId is required");
        boolean released = scheduler.release(id);
        leases.released(gateway, id);
        sendJson(ex, 200, new Wire.ReleaseReply(released));
    }

    private void keepalive(HttpExchange ex) throws IOException {
        Wire.KeepaliveCall call = read(ex, Wire.KeepaliveCall.class);
        int held = leases.touch(requireGateway(call.gatewayId()));
        sendJson(ex, 200, new Wire.KeepaliveReply(config.gatewayLeaseTimeout().toMillis(), held));
    }

    private void autoscale(HttpExchange ex) throws IOException {
        if (advisor.isEmpty()) {
            error(ex, ErrorCode.NOT_FOUND, "auto-scaling advice is not enabled on this scheduler");
            return;
        }
        AutoscaleAdvice a = advisor.get().advice();
        sendJson(ex, 200, new Wire.AutoscaleReply(a.action().name(), Double.isNaN(a.load()) ? null : a.load(), a.instances(),
                a.drainCandidate().orElse(null), a.outOfRangeForMs(), a.reason(), a.takenAtMs()));
    }

    private void metrics(HttpExchange ex) throws IOException {
        StringBuilder out = new StringBuilder();
        gauge(out, "llumnix_scheduler_inflight_requests", "Requests dispatched but not yet visible in an instance status", scheduler.ledger().size());
        gauge(out, "llumnix_scheduler_instances", "Instances in the scheduler's snapshot", scheduler.snapshot().size());
        gauge(out, "llumnix_scheduler_gateways", "Gateways holding a live keepalive lease", leases.gateways());
        counter(out, "llumnix_scheduler_decisions_total", "Scheduling decisions served over HTTP", decisions.get());
        counter(out, "llumnix_scheduler_reclaimed_requests_total", "In-flight entries released because their gateway died", reclaimed.get());
        advisor.ifPresent(a -> {
            AutoscaleAdvice advice = a.advice();
            gauge(out, "llumnix_autoscale_load", "Aggregate freeness the scaling advice is based on", advice.load());
            gauge(out, "llumnix_autoscale_instances", "Schedulable instances the scaling advice counts", advice.instances());
            out.append("# HELP llumnix_autoscale_advice Current scaling advice (1 for the advised action)\n# TYPE llumnix_autoscale_advice gauge\n");
            for (AutoscaleAdvice.Action action : AutoscaleAdvice.Action.values()) {
                out.append("llumnix_autoscale_advice{action=\"").append(action.name().toLowerCase(Locale.ROOT)).append("\"} ")
                        .append(action == advice.action() ? 1 : 0).append('\n');
            }
        });
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(Double.isNaN(value) ? "NaN" : Double.toString(value)).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private boolean authorized(HttpExchange ex) {
        if (config.authToken().isEmpty()) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), expectedAuth);
    }

    private static String requireGateway(String gatewayId) {
        if (gatewayId == null || gatewayId.isBlank()) {
            throw new IllegalArgumentException("gatewayId is required");
        }
        return gatewayId;
    }

    private <T> T read(HttpExchange ex, Class<T> type) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new IllegalArgumentException("request body exceeds " + MAX_BODY_BYTES + " bytes");
            }
            return json.readValue(body, type);
        }
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json", json.writeValueAsBytes(body));
    }

    private void error(HttpExchange ex, ErrorCode code, String message) throws IOException {
        sendJson(ex, code.httpStatus(), new Wire.ErrorBody(new Wire.ErrorDetail(message, code.openAiType(), code.openAiCode())));
    }

    private void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        byte[] body = json.writeValueAsBytes(new Wire.ErrorBody(new Wire.ErrorDetail("use " + allowed, ErrorCode.INVALID_REQUEST.openAiType(),
                "method_not_allowed")));
        send(ex, 405, "application/json", body);
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
