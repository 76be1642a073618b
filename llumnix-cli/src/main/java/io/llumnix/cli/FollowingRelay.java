package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Relays one completion answer from an engine to the client and follows the request across live
 * migrations. A streaming answer that ends with an {@code event: migrated} frame is continued from the
 * destination's {@code /internal/attach} at the announced token index, in the same client stream: the client
 * sees one uninterrupted stream with no token lost, repeated or reordered. A non-streaming answer of type
 * {@code migrated} is replaced by the destination's whole answer (it replays from token 0).
 *
 * <p>Confined to the Vert.x context of the client's connection.
 */
final class FollowingRelay {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
            "trailer", "transfer-encoding", "upgrade", "host", "content-length");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] MIGRATED_EVENT = "event: migrated".getBytes(StandardCharsets.US_ASCII);
    /** A request may migrate this often before the relay gives up (a loop would be a bug elsewhere). */
    private static final int MAX_FOLLOWS = 64;

    private final HttpClientAgent client;
    private final HttpServerResponse resp;
    private final Buffer requestBody;
    private final String kind;
    private final Consumer<String> log;
    private HttpClientRequest current;
    private int follows;

    FollowingRelay(HttpClientAgent client, HttpServerResponse resp, Buffer requestBody, String path, Consumer<String> log) {
        this.client = requireNonNull(client, "client is null");
        this.resp = requireNonNull(resp, "resp is null");
        this.requestBody = requireNonNull(requestBody, "requestBody is null");
        this.kind = path.endsWith("/chat/completions") ? "chat" : "completion";
        this.log = requireNonNull(log, "log is null");
        // The client went away: drop the upstream exchange so the engine aborts the request.
        resp.closeHandler(v -> {
            if (current != null) {
                current.reset();
            }
        });
    }

    /** Whether answers on this path can migrate (and so need following). */
    static boolean follows(String path) {
        return path.equals("/v1/completions") || path.equals("/v1/chat/completions");
    }

    void upstreamRequest(HttpClientRequest request) {
        this.current = request;
    }

    /** Relays {@code answer}; follows a migration when it announces one. */
    void relay(HttpClientResponse answer) {
        String type = Optional.ofNullable(answer.getHeader(HttpHeaders.CONTENT_TYPE)).orElse("");
        if (type.startsWith("text/event-stream")) {
            relayStream(answer);
        } else if (answer.statusCode() == 503) {
            answer.body().onSuccess(body -> {
                Optional<JsonNode> migrated = migratedOf(body);
                if (migrated.isPresent()) {
                    follow(migrated.get(), 0, false);
                } else {
                    writeHead(answer);
                    resp.end(body);
                }
            }).onFailure(t -> resp.reset());
        } else {
            writeHead(answer);
            answer.pipeTo(resp).onFailure(t -> {
                if (current != null) {
                    current.reset();
                }
            });
        }
    }

    private void relayStream(HttpClientResponse answer) {
        if (!resp.headWritten()) {
            writeHead(answer);
        }
        Buffer[] pending = {Buffer.buffer()};
        JsonNode[] migrated = new JsonNode[1];
        answer.handler(chunk -> {
            if (migrated[0] != null) {
                return;
            }
            Buffer buf = pending[0].appendBuffer(chunk);
            int start = 0;
            int end;
            while ((end = indexOfFrameEnd(buf, start)) >= 0) {
                Buffer frame = buf.getBuffer(start, end);
                start = end;
                if (startsWith(frame, MIGRATED_EVENT)) {
                    migrated[0] = dataOf(frame);
                    break;
                }
                resp.write(frame);
            }
            pending[0] = start == 0 ? buf : buf.getBuffer(start, buf.length());
            if (resp.writeQueueFull()) {
                answer.pause();
                resp.drainHandler(v -> answer.resume());
            }
        });
        answer.exceptionHandler(t -> resp.reset());
        answer.endHandler(v -> {
            if (migrated[0] != null) {
                follow(migrated[0], migrated[0].path("next_index").asInt(0), true);
            } else {
                resp.end(pending[0]);
            }
        });
    }

    private void follow(JsonNode migrated, int from, boolean stream) {
        if (++follows > MAX_FOLLOWS) {
            fail("the request migrated more than " + MAX_FOLLOWS + " times");
            return;
        }
        String requestId = migrated.path("request_id").asString("");
        URI dst = URI.create(migrated.path("dst_address").asString(""));
        String uri = "/internal/attach?request_id=" + URLEncoder.encode(requestId, StandardCharsets.UTF_8) + "&from=" + from + "&kind=" + kind;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(dst.getHost()).setPort(dst.getPort()).setURI(uri)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        client.request(options).compose(req -> {
            current = req;
            return req.send(requestBody);
        }).onSuccess(answer -> {
            if (answer.statusCode() != 200) {
                answer.body().onComplete(b -> fail("re-attaching to " + dst + " failed with HTTP " + answer.statusCode() + ": "
                        + (b.succeeded() ? b.result().toString() : "")));
                return;
            }
            if (!stream) {
                relay(answer);
            } else {
                relayStream(answer);
            }
        }).onFailure(t -> fail("re-attaching to " + dst + " failed: " + t));
    }

    private void fail(String message) {
        log.accept("llumnix serve: " + message);
        if (!resp.headWritten()) {
            resp.setStatusCode(502).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end("{\"error\":{\"message\":"
                    + JSON.writeValueAsString(message) + ",\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}");
        } else {
            // Mid-stream: cutting the stream is the only honest signal left.
            resp.reset();
        }
    }

    private void writeHead(HttpClientResponse answer) {
        resp.setStatusCode(answer.statusCode());
        copyHeaders(answer.headers(), resp.headers());
        resp.setChunked(true);
    }

    static void copyHeaders(MultiMap from, MultiMap to) {
        from.forEach(e -> {
            if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                to.add(e.getKey(), e.getValue());
            }
        });
    }

    private static Optional<JsonNode> migratedOf(Buffer body) {
        try {
            JsonNode root = JSON.readTree(body.getBytes());
            if ("migrated".equals(root.path("error").path("type").asString(""))) {
                return Optional.of(root.path("migrated"));
            }
        } catch (RuntimeException e) {
            // not JSON: relay as is
        }
        return Optional.empty();
    }

    private static JsonNode dataOf(Buffer frame) {
        for (String line : frame.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("data:")) {
                return JSON.readTree(line.substring(5).strip());
            }
        }
        throw new IllegalStateException("migrated event without data");
    }

    /** Index just past the next "\n\n" at or after {@code from}, or -1. */
    private static int indexOfFrameEnd(Buffer b, int from) {
        for (int i = from; i + 1 < b.length(); i++) {
            if (b.getByte(i) == '\n' && b.getByte(i + 1) == '\n') {
                return i + 2;
            }
        }
        return -1;
    }

    private static boolean startsWith(Buffer b, byte[] prefix) {
        if (b.length() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.getByte(i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
