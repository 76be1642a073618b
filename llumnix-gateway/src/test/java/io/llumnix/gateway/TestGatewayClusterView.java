package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llumnix.core.Clock;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code GET /api/cluster} and {@code GET /dashboard}: content, followed migrations, and who may read them. */
@Timeout(60)
class TestGatewayClusterView {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final TestingClusterViews cluster = new TestingClusterViews();
    private Gateway gateway;

    @AfterEach
    void stop() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            cluster.close();
            http.close();
        }
    }

    private HttpResponse<String> get(String base, String path, Optional<String> key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        key.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void apiCluster_rendersInstancesTotalsMigrationsAndCounters() throws Exception {
        gateway = cluster.gateway(GatewayConfig.defaults(), ApiKeys.open(), TestingClusterViews.fixed());
        TestingClusterViews.completeOnce(gateway, http, null);

        HttpResponse<String> r = get(gateway.baseUrl(), "/api/cluster", Optional.empty());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode root = json.readTree(r.body());
        assertThat(root.path("taken_at_ms").asLong()).isEqualTo(1_700_000_000_000L);
        JsonNode a = root.path("instances").get(0);
        assertThat(a.path("id").asString()).isEqualTo("engine-a");
        assertThat(a.path("url").asString()).isEqualTo("http://127.0.0.1:9001");
        assertThat(a.path("schedulable").asBoolean()).isTrue();
        assertThat(a.path("waiting").asInt()).isEqualTo(3);
        assertThat(a.path("running").asInt()).isEqualTo(8);
        assertThat(a.path("loading").asInt()).isEqualTo(1);
        assertThat(a.path("dispatched").asInt()).isEqualTo(12);
        assertThat(a.path("kv_usage_percent").asDouble()).isEqualTo(75.0);
        assertThat(a.path("used_tokens").asLong()).isEqualTo(3072);
        assertThat(a.path("step_duration_ms").asDouble()).isEqualTo(4.3);
        assertThat(a.path("migrate_in_slots").asInt()).isEqualTo(1);
        assertThat(a.path("migrate_out_slots").asInt()).isEqualTo(2);
        assertThat(root.path("instances").get(1).path("schedulable").asBoolean()).isFalse();
        JsonNode totals = root.path("totals");
        assertThat(totals.path("instances").asInt()).isEqualTo(2);
        assertThat(totals.path("schedulable").asInt()).isEqualTo(1);
        assertThat(totals.path("waiting").asInt()).isEqualTo(3);
        assertThat(totals.path("running").asInt()).isEqualTo(9);
        assertThat(totals.path("kv_usage_percent").asDouble()).isEqualTo(43.8);
        JsonNode m = root.path("migrations").get(0);
        assertThat(root.path("migrations").size()).isEqualTo(1);
        assertThat(m.path("request_id").asString()).startsWith("gw-");
        assertThat(m.path("from").asString()).isEqualTo("engine-a");
        assertThat(m.path("to").asString()).isEqualTo("engine-b");
        assertThat(m.path("at_ms").asLong()).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
        assertThat(root.path("gateway").path("migrations_followed").asLong()).isEqualTo(1);
        assertThat(root.path("gateway").path("in_flight").asLong()).isZero();
    }

    @Test
    void migrationList_isNewestFirst_andBounded() {
        MigrationLog log = new MigrationLog(3);
        for (int i = 1; i <= 5; i++) {
            log.followed("r" + i, "a", "b", i);
        }

        assertThat(log.recent()).extracting(MigrationLog.Followed::requestId).containsExactly("r5", "r4", "r3");
        assertThat(log.total()).isEqualTo(5);
    }

    @Test
    void withoutSupplier_theViewIsEmpty() throws Exception {
        gateway = Gateway.start(GatewayConfig.defaults().withPort(0), TestingSchedulers.lite(List.of()), BackendDirectory.of(List.of()),
                ModelCatalog.estimating(), ApiKeys.open(), Clock.system());

        JsonNode root = json.readTree(get(gateway.baseUrl(), "/api/cluster", Optional.empty()).body());

        assertThat(root.path("instances").size()).isZero();
        assertThat(root.path("totals").path("instances").asInt()).isZero();
        assertThat(root.path("migrations").size()).isZero();
    }

    @Test
    void dashboard_isOneSelfContainedPage() throws Exception {
        gateway = cluster.gateway(GatewayConfig.defaults(), ApiKeys.open(), TestingClusterViews.fixed());

        HttpResponse<String> r = get(gateway.baseUrl(), "/dashboard", Optional.empty());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'", "connect-src 'self'");
        assertThat(r.body()).contains("<script>", "<style>", "fetch(\"/api/cluster\"").doesNotContain("src=\"http", "href=\"http", "@import");
        assertThat(get(gateway.baseUrl(), "/dashboard", Optional.empty()).statusCode()).isEqualTo(200);
    }

    @Test
    void withApiKeys_loopbackReadsTheViewWithoutKey_completionsStillNeedOne() throws Exception {
        gateway = cluster.gateway(GatewayConfig.defaults(), ApiKeys.of(ApiKeys.parse("sk-ops name=ops\n", "test")), TestingClusterViews.fixed());

        assertThat(get(gateway.baseUrl(), "/api/cluster", Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(get(gateway.baseUrl(), "/dashboard", Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(get(gateway.baseUrl(), "/v1/models", Optional.empty()).statusCode()).isEqualTo(401);
    }

    @Test
    void withApiKeys_otherHostsNeedAKeyForTheView() throws Exception {
        Optional<InetAddress> lan = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst();
        assumeTrue(lan.isPresent(), "this host has no non-loopback IPv4 address to connect from");
        gateway = cluster.gateway(GatewayConfig.defaults().withHost("0.0.0.0"), ApiKeys.of(ApiKeys.parse("sk-ops name=ops\n", "test")),
                TestingClusterViews.fixed());
        String base = "http://" + lan.get().getHostAddress() + ":" + gateway.port();

        HttpResponse<String> anonymous = get(base, "/api/cluster", Optional.empty());

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("authentication_error").doesNotContain("engine-a");
        assertThat(get(base, "/api/cluster", Optional.of("sk-ops")).statusCode()).isEqualTo(200);
        assertThat(get(base, "/dashboard", Optional.empty()).statusCode()).isEqualTo(200);
    }
}
