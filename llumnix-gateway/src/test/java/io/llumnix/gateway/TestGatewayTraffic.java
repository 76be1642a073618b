package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Traffic management against scripted loopback upstreams: the weighted split across pools, and mirroring to a shadow
 * pool that never delays, alters or fails the client's answer, whether the shadow answers, hangs or is down.
 */
@Timeout(120)
class TestGatewayTraffic {

    private static final List<String> WORDS = List.of("a", "b", "c");

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

    private Gateway gateway(List<InstanceMetadata> instances, TrafficPolicy policy) {
        Gateway g = own(Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.OPENAI),
                TestingSchedulers.lite(instances), BackendDirectory.of(instances), ModelCatalog.estimating(), ApiKeys.open(), Clock.system()));
        g.manageTraffic(policy);
        return g;
    }

    private HttpResponse<String> post(Gateway g, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(g.baseUrl() + "/v1/completions")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private double metric(Gateway g, String name) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(g.baseUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        // Label order in the scrape is Micrometer's; match the labels in any order.
        int brace = name.indexOf('{');
        String regex = brace < 0 ? Pattern.quote(name) + "(?:\\{[^}]*})?"
                : Pattern.quote(name.substring(0, brace)) + "\\{" + java.util.Arrays.stream(name.substring(brace + 1, name.length() - 1).split(","))
                        .map(l -> "(?=[^}]*" + Pattern.quote(l) + ")").reduce("", String::concat) + "[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + regex + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String url(TestingUpstream u) {
        return "http://127.0.0.1:" + u.port();
    }

    private static String body(int i) {
        // Odd spacing, key order and a non-ASCII prompt: the mirror must forward the bytes, not a re-serialization.
        return "{ \"prompt\" : \"héllo " + i + "\",\"model\":\"m\",   \"max_tokens\":3" + (i % 2 == 0 ? ",\"stream\":true" : "") + "}";
    }

    @Test
    void weightedSplit_sendsEachPoolItsShare_andPicksWithinThePool() throws Exception {
        TestingUpstream a = own(TestingUpstream.streaming("a", WORDS));
        TestingUpstream b1 = own(TestingUpstream.streaming("b1", WORDS));
        TestingUpstream b2 = own(TestingUpstream.streaming("b2", WORDS));
        TestingUpstream idle = own(TestingUpstream.streaming("idle", WORDS));
        TrafficPolicy policy = new TrafficPolicy(List.of(TrafficPolicy.Pool.parse("small=1:" + url(a)),
                TrafficPolicy.Pool.parse("large=3:" + url(b1) + "," + url(b2)), new TrafficPolicy.Pool("off", 0, List.of("idle"))),
                Optional.empty(), 20261122);
        Gateway g = gateway(List.of(a.metadata(), b1.metadata(), b2.metadata(), idle.metadata()), policy);
        int n = 400;
        for (int i = 0; i < n; i++) {
            assertThat(post(g, body(i)).statusCode()).isEqualTo(200);
        }
        int large = b1.requests.get() + b2.requests.get();
        // 3/4 of 400 = 300, binomial sd 8.7: ±35 is four of them.
        assertThat(large).isBetween(265, 335);
        assertThat(a.requests.get()).isEqualTo(n - large);
        assertThat(idle.requests.get()).isZero();
        // Within the pool the scheduler decides (the lite one here: fewest in flight, ties by id).
        assertThat(metric(g, "llumnix_gateway_pool_requests_total{pool=\"large\"}")).isEqualTo(large);
        assertThat(metric(g, "llumnix_gateway_pool_requests_total{pool=\"small\"}")).isEqualTo(a.requests.get());
    }

    @Test
    void weightedSplit_isReproducibleFromItsSeed() {
        List<TrafficPolicy.Pool> pools = List.of(new TrafficPolicy.Pool("x", 1, List.of("i1")), new TrafficPolicy.Pool("y", 2, List.of("i2")));
        BackendDirectory none = BackendDirectory.of(List.of());
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        PoolSplitter s1 = new PoolSplitter(pools, 5, none, new GatewayMetrics(() -> 0, () -> 0).registry());
        PoolSplitter s2 = new PoolSplitter(pools, 5, none, new GatewayMetrics(() -> 0, () -> 0).registry());
        for (int i = 0; i < 200; i++) {
            first.add(s1.route().pool());
            second.add(s2.route().pool());
        }
        assertThat(first).isEqualTo(second).contains("x", "y");
    }

    @Test
    void mirror_sendsTheClientsExactBody_andTheClientGetsThePrimarysAnswer() throws Exception {
        TestingUpstream primary = own(TestingUpstream.streaming("primary", WORDS));
        List<String> mirrorHeaders = new CopyOnWriteArrayList<>();
        TestingUpstream shadow = own(new TestingUpstream("shadow", (req, b) -> {
            mirrorHeaders.add(String.valueOf(req.getHeader(RequestMirror.MIRROR_HEADER)));
            req.response().putHeader("Content-Type", "application/json").end("{\"shadow\":true}");
        }));
        Gateway g = gateway(List.of(primary.metadata()), new TrafficPolicy(List.of(),
                Optional.of(new TrafficPolicy.Mirror(List.of(url(shadow)), 1.0, 8, Duration.ofSeconds(10))), 1));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(body(i));
            HttpResponse<String> r = post(g, body(i));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("cmpl-primary").doesNotContain("shadow");
        }
        awaitCount(() -> shadow.requests.get(), 10);
        assertThat(shadow.bodies).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(mirrorHeaders).containsOnly("1");
        assertThat(metric(g, "llumnix_gateway_mirrored_total")).isEqualTo(10);
        awaitCount(() -> (int) metricQuietly(g, "llumnix_gateway_mirror_in_flight"), 0);
        assertThat(metric(g, "llumnix_gateway_mirror_failed_total")).isZero();
    }

    @Test
    void mirror_samplesTheConfiguredFraction() throws Exception {
        TestingUpstream primary = own(TestingUpstream.streaming("primary", WORDS));
        TestingUpstream shadow = own(TestingUpstream.streaming("shadow", WORDS));
        Gateway g = gateway(List.of(primary.metadata()), new TrafficPolicy(List.of(),
                Optional.of(new TrafficPolicy.Mirror(List.of(url(shadow)), 0.25, 64, Duration.ofSeconds(10))), 99));
        for (int i = 0; i < 400; i++) {
            assertThat(post(g, body(i)).statusCode()).isEqualTo(200);
        }
        double mirrored = metric(g, "llumnix_gateway_mirrored_total");
        assertThat(mirrored).isBetween(65.0, 135.0); // 100 ± 4 sd
        awaitCount(() -> shadow.requests.get(), (int) mirrored);
    }

    @Test
    void hangingShadow_neitherDelaysNorFailsTheClient_andExtraMirrorsAreDropped() throws Exception {
        TestingUpstream primary = own(TestingUpstream.streaming("primary", WORDS));
        TestingUpstream shadow = own(new TestingUpstream("shadow", (req, b) -> {})); // never answers
        Gateway g = gateway(List.of(primary.metadata()), new TrafficPolicy(List.of(),
                Optional.of(new TrafficPolicy.Mirror(List.of(url(shadow)), 1.0, 2, Duration.ofSeconds(60))), 1));
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = post(g, body(i));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains(i % 2 == 0 ? "data: [DONE]" : "\"text\":\"abc\"");
            // The shadow holds its requests for 60 s; the client must not wait for any of them.
            assertThat(millis).as("request %d took %d ms", i, millis).isLessThan(5_000);
        }
        assertThat(metric(g, "llumnix_gateway_mirrored_total")).isEqualTo(2);
        assertThat(metric(g, "llumnix_gateway_mirror_dropped_total")).isEqualTo(18);
        assertThat(metric(g, "llumnix_gateway_mirror_in_flight")).isEqualTo(2);
        awaitCount(() -> (int) metricQuietly(g, "llumnix_gateway_requests_total{route=\"/v1/completions\",status=\"200\"}"), 20);
    }

    @Test
    void failingShadow_doesNotFailTheClient_andCountsFailures() throws Exception {
        TestingUpstream primary = own(TestingUpstream.streaming("primary", WORDS));
        TestingUpstream erroring = own(TestingUpstream.failing("shadow", 500));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Gateway g = gateway(List.of(primary.metadata()), new TrafficPolicy(List.of(), Optional.of(new TrafficPolicy.Mirror(
                List.of(url(erroring), "http://127.0.0.1:" + closedPort), 1.0, 8, Duration.ofSeconds(10))), 1));
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = post(g, body(i));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("cmpl-primary");
        }
        awaitCount(() -> (int) metricQuietly(g, "llumnix_gateway_mirror_failed_total"), 10);
        assertThat(erroring.requests.get()).isEqualTo(5);
        assertThat(metric(g, "llumnix_gateway_mirror_in_flight")).isZero();
    }

    @Test
    void invalidPolicies_areRefusedWithTheReason() {
        assertThatThrownBy(() -> TrafficPolicy.Pool.parse("a:1")).hasMessageContaining("NAME=WEIGHT:URL");
        assertThatThrownBy(() -> TrafficPolicy.Pool.parse("a=x:http://h:1")).hasMessageContaining("weight must be an integer");
        assertThatThrownBy(() -> TrafficPolicy.Pool.parse("a=1:ftp://h:1")).hasMessageContaining("is not http://HOST:PORT");
        assertThatThrownBy(() -> new TrafficPolicy(List.of(new TrafficPolicy.Pool("a", 0, List.of("i"))), Optional.empty(), 0))
                .hasMessageContaining("add up to 0");
        assertThatThrownBy(() -> new TrafficPolicy.Mirror(List.of("http://h:1"), 1.5, 1, Duration.ofSeconds(1)))
                .hasMessageContaining("--mirror-fraction");
    }

    private double metricQuietly(Gateway g, String name) {
        try {
            return metric(g, name);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitCount(java.util.function.IntSupplier actual, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (actual.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(actual.getAsInt()).isEqualTo(expected);
    }
}
