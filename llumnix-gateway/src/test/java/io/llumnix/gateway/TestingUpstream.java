package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A scripted OpenAI-compatible upstream on a loopback port: each request's body is recorded and answered by the
 * given handler (which receives the request and its body).
 */
final class TestingUpstream implements AutoCloseable {

    private final String id;
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final AtomicInteger requests = new AtomicInteger();

    TestingUpstream(String id, BiConsumer<HttpServerRequest, String> handler) {
        this.id = id;
        this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            requests.incrementAndGet();
            bodies.add(b.toString());
            handler.accept(req, b.toString());
        })).listen(0, "127.0.0.1").await();
    }

    /** Answers every request with a short OpenAI completion stream of {@code words}. */
    static TestingUpstream streaming(String id, List<String> words) {
        return new TestingUpstream(id, (req, body) -> {
            if (!body.contains("\"stream\":true")) {
                req.response().putHeader("Content-Type", "application/json").end(
                        "{\"id\":\"cmpl-" + id + "\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                                + "\"text\":\"" + String.join("", words) + "\",\"finish_reason\":\"length\"}],"
                                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":" + words.size() + ",\"total_tokens\":" + (3 + words.size()) + "}}");
                return;
            }
            var resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            for (String w : words) {
                resp.write("data: {\"id\":\"cmpl-" + id + "\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"text\":\"" + w + "\",\"finish_reason\":null}]}\n\n");
            }
            resp.end("data: [DONE]\n\n");
        });
    }

    /** Answers every request with {@code status} and an OpenAI error body. */
    static TestingUpstream failing(String id, int status) {
        return new TestingUpstream(id, (req, body) -> req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end("{\"error\":{\"message\":\"scripted " + status + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
    }

    /** Closes the connection of every request without answering. */
    static TestingUpstream hangingUp(String id) {
        return new TestingUpstream(id, (req, body) -> req.connection().close());
    }

    int port() {
        return server.actualPort();
    }

    InstanceMetadata metadata() {
        return new InstanceMetadata(id, "127.0.0.1", port(), 0, io.llumnix.core.InferType.NEUTRAL, "", "", "m", 0, 0, "");
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
