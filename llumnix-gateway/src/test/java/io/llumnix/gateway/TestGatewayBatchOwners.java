package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.gateway.batch.BatchConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * With API keys, files and batches belong to the key that created them (others see 404 and empty lists), and the
 * lines run with their owner's key through the gateway's front door to a plain OpenAI upstream, bodies unchanged.
 * A second gateway on a directory in use is refused.
 */
@Timeout(60)
class TestGatewayBatchOwners {

    @TempDir
    Path dir;

    @Test
    void filesAndBatches_belongToTheirKey_linesRunWithIt() throws Exception {
        ApiKeys keys = ApiKeys.of(ApiKeys.parse("sk-alice name=alice\nsk-bob name=bob\n", "test"));
        try (TestingUpstream upstream = TestingUpstream.streaming("u", List.of("x", "y"));
                Gateway gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.OPENAI),
                        TestingSchedulers.lite(List.of(upstream.metadata())), BackendDirectory.of(List.of(upstream.metadata())),
                        ModelCatalog.estimating(), keys, Clock.system());
                BatchClient alice = new BatchClient(gateway.baseUrl(), "sk-alice");
                BatchClient bob = new BatchClient(gateway.baseUrl(), "sk-bob");
                BatchClient anonymous = new BatchClient(gateway.baseUrl())) {
            gateway.enableBatches(BatchConfig.defaults(dir));
            List<String> lines = List.of(
                    "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"one\",\"max_tokens\":2}}",
                    "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"two\",\"max_tokens\":2}}");
            assertThat(anonymous.send("GET", "/v1/files", null).statusCode()).isEqualTo(401);
            String fileId = alice.uploadOk(lines);
            assertThat(bob.send("GET", "/v1/files/" + fileId, null).statusCode()).isEqualTo(404);
            assertThat(bob.send("POST", "/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/completions\","
                    + "\"completion_window\":\"24h\"}").statusCode()).isEqualTo(400);

            String batchId = alice.createBatch(fileId, "/v1/completions");
            JsonNode done = alice.await(batchId, BatchClient::terminal, Duration.ofSeconds(30));
            assertThat(done.get("status").asString()).isEqualTo("completed");
            assertThat(done.get("request_counts").get("completed").asInt()).isEqualTo(2);
            assertThat(upstream.bodies).containsExactlyInAnyOrder(
                    "{\"model\":\"m\",\"prompt\":\"one\",\"max_tokens\":2}", "{\"model\":\"m\",\"prompt\":\"two\",\"max_tokens\":2}");
            assertThat(alice.content(done.get("output_file_id").asString())).extracting(n -> n.get("response").get("body").get("choices")
                    .get(0).get("text").asString()).containsOnly("xy");

            assertThat(bob.send("GET", "/v1/batches/" + batchId, null).statusCode()).isEqualTo(404);
            assertThat(bob.ok("GET", "/v1/batches", null).get("data")).isEmpty();
            assertThat(bob.ok("GET", "/v1/files", null).get("data")).isEmpty();
            assertThat(alice.ok("GET", "/v1/batches", null).get("data")).hasSize(1);
            assertThat(alice.ok("GET", "/v1/files", null).get("data")).hasSize(2);

            try (Gateway second = Gateway.start(GatewayConfig.defaults().withPort(0), TestingSchedulers.lite(List.of(upstream.metadata())),
                    BackendDirectory.of(List.of(upstream.metadata())), ModelCatalog.estimating(), keys, Clock.system())) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> second.enableBatches(BatchConfig.defaults(dir)))
                        .hasMessageContaining("in use by another gateway");
            }
        }
    }
}
