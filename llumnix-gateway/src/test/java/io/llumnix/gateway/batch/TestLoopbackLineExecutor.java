package io.llumnix.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TestLoopbackLineExecutor {

    @Test
    void sendsTheLineWithPriorityHeaderAndOwnersKey_readsStatusRequestIdAndRetryAfter() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<String> seen = new CopyOnWriteArrayList<>();
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
                seen.add(req.method() + " " + req.path() + " " + req.getHeader("X-Llumnix-Priority") + " " + req.getHeader("Authorization") + " "
                        + b);
                if (b.toString().contains("busy")) {
                    req.response().setStatusCode(429).putHeader("Retry-After", "3").end("{}");
                } else {
                    req.response().putHeader("X-Request-Id", "gw-1").end("{\"id\":\"cmpl-1\"}");
                }
            })).listen(0, "127.0.0.1").await();
            try (LoopbackLineExecutor executor = new LoopbackLineExecutor(URI.create("http://127.0.0.1:" + server.actualPort()),
                    Map.of("X-Llumnix-Priority", "low"), owner -> owner.equals("alice") ? Optional.of("sk-a") : Optional.empty(),
                    Duration.ofSeconds(10))) {
                LineExecutor.Outcome ok = executor.execute(new BatchLine(0, 1, "c0", "/v1/completions", "{\"prompt\":\"x\"}"), "alice");
                assertThat(ok).isEqualTo(new LineExecutor.Answered(200, "gw-1", "{\"id\":\"cmpl-1\"}", Optional.empty()));
                LineExecutor.Outcome busy = executor.execute(new BatchLine(1, 2, "c1", "/v1/chat/completions", "{\"busy\":1}"), "");
                assertThat(busy).isEqualTo(new LineExecutor.Answered(429, "", "{}", Optional.of(3L)));
            }
            assertThat(seen).containsExactly("POST /v1/completions low Bearer sk-a {\"prompt\":\"x\"}",
                    "POST /v1/chat/completions low null {\"busy\":1}");
            try (LoopbackLineExecutor executor = new LoopbackLineExecutor(URI.create("http://127.0.0.1:1"), Map.of(), o -> Optional.empty(),
                    Duration.ofSeconds(5))) {
                assertThat(executor.execute(new BatchLine(0, 1, "c", "/v1/completions", "{}"), "")).isInstanceOf(LineExecutor.Unanswered.class);
            }
        } finally {
            vertx.close().await();
        }
    }
}
