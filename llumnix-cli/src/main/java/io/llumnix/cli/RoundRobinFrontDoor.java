package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The minimal front door of {@code llumnix serve}: forwards every {@code /v1/*} request to the live engine
 * instances in turn and relays the answer chunk by chunk (a slow client pauses the upstream instead of
 * growing a buffer), following the request across live migrations ({@link FollowingRelay}). A client that goes away resets the upstream request, which closes the
 * engine's connection and so aborts the request there. {@code /health} is healthy while one instance lives.
 * Later issues replace the round robin with the gateway and scheduler.
 *
 * <p>Thread-safe.
 */
final class RoundRobinFrontDoor implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Supplier<List<URI>> backends;
    private final PrintStream log;
    private final Vertx vertx;
    private final HttpClientAgent client;
    private final AtomicLong turn = new AtomicLong();
    private final HttpServer server;
    private final String host;

    private RoundRobinFrontDoor(String host, int port, Supplier<List<URI>> backends, PrintStream log) {
        this.host = requireNonNull(host, "host is null");
        this.backends = requireNonNull(backends, "backends is null");
        this.log = requireNonNull(log, "log is null");
        this.vertx = Vertx.vertx();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
        try {
            this.server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(this::handle).listen().await();
        } catch (RuntimeException e) {
            vertx.close().await();
            throw new UserException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Listens on {@code host:port} (0 for a free port), forwarding to whatever {@code backends} lists at each request. */
    static RoundRobinFrontDoor start(String host, int port, Supplier<List<URI>> backends, PrintStream log) {
        return new RoundRobinFrontDoor(host, port, backends, log);
    }

    int port() {
        return server.actualPort();
    }

    String baseUrl() {
        return "http://" + host + ":" + port();
    }

    @Override
    public void close() {
        vertx.close().await();
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        HttpServerResponse resp = req.response();
        if (path.equals("/health")) {
            int live = backends.get().size();
            resp.setStatusCode(live > 0 ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end("{\"status\":\"" + (live > 0 ? "ok" : "unavailable") + "\",\"instances\":" + live + "}");
        } else if (path.startsWith("/v1/")) {
            forward(req);
        } else {
            error(resp, 404, "invalid_request_error", "not_found", "No route " + req.method() + " " + path);
        }
    }

    private void forward(HttpServerRequest req) {
        HttpServerResponse resp = req.response();
        List<URI> live = backends.get();
        if (live.isEmpty()) {
            error(resp, 503, "server_error", "overloaded", "no engine instance is alive");
            return;
        }
        URI target = live.get((int) Math.floorMod(turn.getAndIncrement(), (long) live.size()));
        req.body().onComplete(b -> {
            if (b.failed()) {
                error(resp, 400, "invalid_request_error", "invalid_request", "could not read the request body: " + b.cause().getMessage());
                return;
            }
            Buffer body = b.result();
            FollowingRelay relay = new FollowingRelay(client, resp, body, req.path(), this::logLine);
            RequestOptions options = new RequestOptions().setMethod(req.method()).setHost(target.getHost()).setPort(target.getPort())
                    .setURI(req.uri());
            client.request(options).compose(upstream -> {
                relay.upstreamRequest(upstream);
                FollowingRelay.copyHeaders(req.headers(), upstream.headers());
                return body.length() > 0 ? upstream.send(body) : upstream.send();
            }).onSuccess(relay::relay).onFailure(t -> badGateway(resp, target, t));
        });
    }

    private void logLine(String line) {
        synchronized (log) {
            log.println(line);
        }
    }

    private void badGateway(HttpServerResponse resp, URI target, Throwable cause) {
        if (resp.closed()) {
            return; // the client left first; resetting the upstream request was our doing
        }
        synchronized (log) {
            log.println("llumnix serve: forwarding to " + target + " failed: " + cause);
        }
        error(resp, 502, "server_error", "upstream_unavailable", "the engine instance at " + target + " failed: " + cause.getMessage());
    }

    private static void error(HttpServerResponse resp, int status, String type, String code, String message) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (resp.headWritten()) {
            // Mid-relay: the status is gone; cutting the stream is the only honest signal left.
            resp.reset();
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        error.put("code", code);
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(JSON.writeValueAsString(root));
    }
}
