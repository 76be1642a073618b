package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.gateway.batch.BatchConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A batch whose 24 h window passes (on an injected clock) stops taking lines and ends expired: the lines that finished
 * are in the output file, the others in the error file as {@code batch_expired}, each custom_id exactly once.
 */
@Timeout(60)
class TestGatewayBatchExpiry {

    @TempDir
    Path dir;

    @Test
    void windowPasses_batchExpires_unrunLinesInErrorFile() throws Exception {
        AtomicLong skewMillis = new AtomicLong();
        Clock clock = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public long currentTimeMillis() {
                return System.currentTimeMillis() + skewMillis.get();
            }
        };
        TestingUpstream slow = new TestingUpstream("slow", (req, body) -> Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            req.response().putHeader("Content-Type", "application/json").end("{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,"
                    + "\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"ok\",\"finish_reason\":\"length\"}]}");
        }));
        try (slow;
                Gateway gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.OPENAI),
                        TestingSchedulers.lite(List.of(slow.metadata())), BackendDirectory.of(List.of(slow.metadata())), ModelCatalog.estimating(),
                        ApiKeys.open(), clock);
                BatchClient client = new BatchClient(gateway.baseUrl())) {
            gateway.enableBatches(BatchConfig.defaults(dir).withConcurrency(1));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                lines.add("{\"custom_id\":\"l" + i + "\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"m\",\"prompt\":\"p\"}}");
            }
            String batchId = client.createBatch(client.uploadOk(lines), "/v1/completions");
            client.await(batchId, b -> b.get("request_counts").get("completed").asInt() >= 1, Duration.ofSeconds(30));
            skewMillis.set(TimeUnit.HOURS.toMillis(25));
            JsonNode done = client.await(batchId, BatchClient::terminal, Duration.ofSeconds(30));

            assertThat(done.get("status").asString()).isEqualTo("expired");
            assertThat(done.get("expired_at").isNumber()).isTrue();
            int completed = done.get("request_counts").get("completed").asInt();
            assertThat(completed).isBetween(1, 7);
            assertThat(done.get("request_counts").get("failed").asInt()).isEqualTo(8 - completed);
            Map<String, Integer> seen = new HashMap<>();
            for (JsonNode out : client.content(done.get("output_file_id").asString())) {
                seen.merge(out.get("custom_id").asString(), 1, Integer::sum);
            }
            List<JsonNode> errors = client.content(done.get("error_file_id").asString());
            assertThat(errors).hasSize(8 - completed).allSatisfy(e -> {
                assertThat(e.get("response").isNull()).isTrue();
                assertThat(e.get("error").get("code").asString()).isEqualTo("batch_expired");
            });
            errors.forEach(e -> seen.merge(e.get("custom_id").asString(), 1, Integer::sum));
            assertThat(seen).hasSize(8).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        }
    }
}
