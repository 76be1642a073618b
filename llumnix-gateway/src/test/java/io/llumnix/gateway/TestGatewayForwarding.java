package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.scheduler.SchedulerClient;
import io.llumnix.scheduler.service.HttpSchedulerClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Forwarding to scripted upstreams: retries on another instance for connection errors, 5xx, 429 and hang-ups before
 * the first byte; client errors relayed as they are; round robin while the scheduler is unreachable; priority classes;
 * the admission queue; a departing client resets the upstream request; body limit.
 */
@Timeout(60)
class TestGatewayForwarding {

    private static final String STREAM_BODY = "{\"model\":\"m\",\"prompt\":\"hello\",\"max_tokens\":3,\"stream\":true}";
    private static final String WHOLE_BODY = "{\"model\":\"m\",\"prompt\":\"hello\",\"max_tokens\":3}";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        http.close();
    }

    private <T extends AutoCloseable> T own(T t) {
        closeables.add(t);
        return t;
    }

    private Gateway gateway(SchedulerClient scheduler, List<InstanceMetadata> instances, GatewayConfig config) {
        return own(Gateway.start(config.withPort(0), scheduler, BackendDirectory.of(instances), ModelCatalog.estimating(), ApiKeys.open(),
                Clock.system()));
    }

    private Gateway gateway(List<InstanceMetadata> instances) {
        return gateway(TestingSchedulers.lite(instances), instances, GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.OPENAI));
    }

    private HttpResponse<String> post(Gateway g, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static InstanceMetadata refusing(String id) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return new InstanceMetadata(id, "127.0.0.1", port, 0, io.llumnix.core.InferType.NEUTRAL, "", "", "m", 0, 0, "");
    }

    @Test
    void retries_refused_5xx_429_hangUp_beforeFirstByte_thenSucceeds() throws Exception {
        TestingUpstream b = own(TestingUpstream.failing("b-500", 500));
        TestingUpstream c = own(TestingUpstream.failing("c-429", 429));
        TestingUpstream d = own(TestingUpstream.hangingUp("d-hangup"));
        TestingUpstream e = own(TestingUpstream.streaming("e-good", List.of("x", "y", "z")));
        List<InstanceMetadata> all = List.of(refusing("a-refused"), b.metadata(), c.metadata(), d.metadata(), e.metadata());
        Gateway g = gateway(TestingSchedulers.lite(all), all,
                GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.OPENAI).withMaxAttempts(5));

        HttpResponse<String> r = post(g, "/v1/completions", STREAM_BODY);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"text\":\"x\"", "\"text\":\"z\"").endsWith("data: [DONE]\n\n");
        assertThat(g.retries()).isEqualTo(4);
        assertThat(List.of(b.requests.get(), c.requests.get(), e.requests.get())).containsExactly(1, 1, 1);
        Await.noneInFlight(g);
    }

    @Test
    void allAttemptsFail_answers502_withAnOpenAiError() throws Exception {
        TestingUpstream b = own(TestingUpstream.failing("b-503", 503));
        List<InstanceMetadata> all = List.of(refusing("a-refused"), b.metadata());
        Gateway g = gateway(all);

        HttpResponse<String> r = post(g, "/v1/completions", WHOLE_BODY);

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"upstream_unavailable\"", "\"type\":\"server_error\"");
    }

    @Test
    void clientError_isRelayed_notRetried() throws Exception {
        TestingUpstream a = own(TestingUpstream.failing("a-400", 400));
        TestingUpstream b = own(TestingUpstream.streaming("b-good", List.of("x")));
        Gateway g = gateway(List.of(a.metadata(), b.metadata()));

        HttpResponse<String> r = post(g, "/v1/completions", WHOLE_BODY);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("scripted 400");
        assertThat(b.requests.get()).isZero();
    }

    @Test
    void schedulerUnreachable_fallsBackToRoundRobinOverKnownInstances() throws Exception {
        TestingUpstream a = own(TestingUpstream.streaming("a", List.of("a")));
        TestingUpstream b = own(TestingUpstream.streaming("b", List.of("b")));
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        HttpSchedulerClient unreachable = own(new HttpSchedulerClient(URI.create("http://127.0.0.1:" + dead), "gw-test", "",
                Duration.ofSeconds(30), Duration.ofMillis(500)));
        Gateway g = gateway(unreachable, List.of(a.metadata(), b.metadata()),
                GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.OPENAI));

        for (int i = 0; i < 4; i++) {
            assertThat(post(g, "/v1/completions", WHOLE_BODY).statusCode()).isEqualTo(200);
        }

        assertThat(a.requests.get()).isEqualTo(2);
        assertThat(b.requests.get()).isEqualTo(2);
    }

    @Test
    void priorityHeader_becomesEnginePriority_unknownClassIs400() throws Exception {
        TestingUpstream a = own(TestingUpstream.streaming("a", List.of("x")));
        Gateway g = gateway(TestingSchedulers.lite(List.of(a.metadata())), List.of(a.metadata()),
                GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.NATIVE));

        assertThat(post(g, "/v1/completions", WHOLE_BODY, Gateway.PRIORITY_HEADER, "high").statusCode()).isEqualTo(200);
        assertThat(post(g, "/v1/completions", WHOLE_BODY, Gateway.PRIORITY_HEADER, "LOW").statusCode()).isEqualTo(200);
        HttpResponse<String> bad = post(g, "/v1/completions", WHOLE_BODY, Gateway.PRIORITY_HEADER, "urgent");

        assertThat(a.bodies.get(0)).contains("\"priority\":1", "\"return_token_ids\":true");
        assertThat(a.bodies.get(1)).contains("\"priority\":-1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains(Gateway.PRIORITY_HEADER);
    }

    @Test
    void h2cClient_completedRequestsAreCounted200_not499() throws Exception {
        TestingUpstream a = own(TestingUpstream.streaming("a", List.of("x", "y")));
        Gateway g = gateway(List.of(a.metadata()));
        // java.net.http asks for HTTP/2 by default and the gateway upgrades (h2c); its stream reports a close
        // from inside end(), which once made every answered request count as a client that left (499).
        assertThat(post(g, "/v1/completions", STREAM_BODY).statusCode()).isEqualTo(200);
        assertThat(post(g, "/v1/completions", WHOLE_BODY).statusCode()).isEqualTo(200);
        String metrics = http.send(HttpRequest.newBuilder(URI.create(g.baseUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).contains("status=\"200\"} 2.0").doesNotContain("status=\"499\"");
    }

    @Test
    void admissionQueue_full_answers429_withRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<HttpServerResponse> held = new CopyOnWriteArrayList<>();
        TestingUpstream slow = own(new TestingUpstream("slow", (req, body) -> held.add(req.response())));
        Vertx timer = Vertx.vertx();
        closeables.add(() -> timer.close().await());
        Gateway g = gateway(TestingSchedulers.lite(List.of(slow.metadata())), List.of(slow.metadata()),
                GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.OPENAI).withAdmission(1, 1));

        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> postQuietly(g, WHOLE_BODY));
        Await.until(() -> held.size() == 1, "the upstream holds the request");
        CompletableFuture<HttpResponse<String>> second = CompletableFuture.supplyAsync(() -> postQuietly(g, WHOLE_BODY));
        Thread.sleep(300); // queued behind the first
        HttpResponse<String> third = post(g, "/v1/completions", WHOLE_BODY);

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(held).hasSize(1);
        release.countDown();
        timer.setPeriodic(20, id -> held.forEach(resp -> {
            if (!resp.ended()) {
                resp.putHeader("Content-Type", "application/json").end("{\"choices\":[]}");
            }
        }));
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Await.noneInFlight(g);
    }

    @Test
    void clientLeavingMidStream_resetsTheUpstreamRequest() throws Exception {
        CompletableFuture<Void> upstreamClosed = new CompletableFuture<>();
        Vertx timer = Vertx.vertx();
        closeables.add(() -> timer.close().await());
        TestingUpstream endless = own(new TestingUpstream("endless", (req, body) -> {
            HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            long id = timer.setPeriodic(10, t -> {
                if (!resp.closed()) {
                    resp.write("data: {\"id\":\"x\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                            + "\"text\":\"a\",\"finish_reason\":null}]}\n\n");
                }
            });
            resp.closeHandler(v -> {
                timer.cancelTimer(id);
                upstreamClosed.complete(null);
            });
        }));
        Gateway g = gateway(List.of(endless.metadata()));

        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(g.baseUrl() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_BODY)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.body().read(new byte[64])).isPositive();
        r.body().close();

        upstreamClosed.get(10, TimeUnit.SECONDS);
        Await.noneInFlight(g);
    }

    @Test
    void bodyOverTheLimit_is413() throws Exception {
        TestingUpstream a = own(TestingUpstream.streaming("a", List.of("x")));
        Gateway g = gateway(TestingSchedulers.lite(List.of(a.metadata())), List.of(a.metadata()),
                GatewayConfig.defaults().withForwarding(GatewayConfig.Forwarding.OPENAI).withMaxBodyBytes(1000));

        HttpResponse<String> r = post(g, "/v1/completions", "{\"prompt\":\"" + "x".repeat(2000) + "\"}");

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("request_too_large");
        assertThat(a.requests.get()).isZero();
    }

    private HttpResponse<String> postQuietly(Gateway g, String body) {
        try {
            return post(g, "/v1/completions", body);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
