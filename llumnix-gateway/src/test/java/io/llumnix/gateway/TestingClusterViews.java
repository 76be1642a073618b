package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * Fixtures for the cluster view: a fixed two-instance view, and a pair of scripted native instances where the first
 * answers every request with "migrated to engine-b" and the second finishes it on attach, so a gateway in front of
 * them records one followed migration per request.
 */
final class TestingClusterViews implements AutoCloseable {

    static final String SOURCE = "engine-a";
    static final String DESTINATION = "engine-b";

    /** engine-a: busy and reporting; engine-b: draining, nearly idle. */
    static ClusterView fixed() {
        return new ClusterView(1_700_000_000_000L, List.of(
                new ClusterView.Instance(SOURCE, "http://127.0.0.1:9001", "stories260K", "neutral", true, true, 3, 8, 1, 12, 3072, 4096, 4.25, 1, 2),
                new ClusterView.Instance(DESTINATION, "http://127.0.0.1:9002", "stories260K", "neutral", true, false, 0, 1, 0, 1, 512, 4096, 1.5, 2, 0)));
    }

    final TestingUpstream destination;
    final TestingUpstream source;

    TestingClusterViews() {
        destination = new TestingUpstream(DESTINATION, (req, body) -> req.response().putHeader("Content-Type", "application/json").end(
                "{\"id\":\"cmpl-b\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"text\":\"after\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
        source = new TestingUpstream(SOURCE, (req, body) -> req.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                .end("{\"error\":{\"message\":\"migrated\",\"type\":\"migrated\",\"param\":null,\"code\":null},"
                        + "\"migrated\":{\"request_id\":\"engine-req-1\",\"dst_instance_id\":\"" + DESTINATION + "\","
                        + "\"dst_address\":\"http://127.0.0.1:" + destination.port() + "\",\"next_index\":0}}"));
    }

    /** A native-protocol gateway that schedules onto {@link #source} and shows {@code view}. */
    Gateway gateway(GatewayConfig config, ApiKeys keys, ClusterView view) {
        return Gateway.start(config.withPort(0).withForwarding(GatewayConfig.Forwarding.NATIVE), TestingSchedulers.lite(List.of(source.metadata())),
                BackendDirectory.of(List.of(source.metadata(), destination.metadata())), ModelCatalog.estimating(), keys, Clock.system(),
                () -> view);
    }

    /** Sends one completion through {@code gateway}; it migrates once on its way. */
    static void completeOnce(Gateway gateway, HttpClient http, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":1}"));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("after");
    }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            destination.close();
        }
    }
}
