package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Crash safety of batches: a gateway child process is SIGKILLed mid-batch and restarted on the same directory. Every
 * line appears exactly once in the output, with the text of the same request made online; the restarted gateway
 * executes exactly the lines the journal did not hold (those in flight at the kill run a second time, journaled ones
 * never).
 */
@Timeout(120)
class TestGatewayBatchCrash {

    private static final int LINES = 20;
    private static final int MAX_TOKENS = 24;

    @TempDir
    Path dir;

    @Test
    void sigkillMidBatch_restart_everyLineExactlyOnce() throws Exception {
        List<TestingEngineProcess> engines = new ArrayList<>();
        Process gateway = null;
        try {
            engines.add(TestingEngineProcess.start("engine-0", 2_000_000L));
            engines.add(TestingEngineProcess.start("engine-1", 2_000_000L));
            gateway = startGateway(engines);
            String batchId;
            String url = url(gateway);
            try (BatchClient client = new BatchClient(url)) {
                batchId = client.createBatch(client.uploadOk(BatchLines.completions(LINES, MAX_TOKENS)), "/v1/completions");
                JsonNode midway = client.await(batchId, b -> b.get("request_counts").get("completed").asInt() >= 5, Duration.ofSeconds(60));
                assertThat(midway.get("status").asString()).isEqualTo("in_progress");
            }
            gateway.destroyForcibly();
            gateway.waitFor(10, TimeUnit.SECONDS);

            Path journal = dir.resolve("batches").resolve(batchId + ".journal");
            int journaled = (int) Files.readAllLines(journal).stream().filter(l -> l.endsWith("}")).count();
            assertThat(journaled).isBetween(5, LINES - 1);

            gateway = startGateway(engines);
            try (BatchClient client = new BatchClient(url(gateway))) {
                JsonNode done = client.await(batchId, BatchClient::terminal, Duration.ofSeconds(60));
                assertThat(done.get("status").asString()).isEqualTo("completed");
                assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":" + LINES + ",\"completed\":" + LINES + ",\"failed\":0}");
                // The restarted gateway ran exactly the lines without a journal entry.
                assertThat(completionsServed(client)).isEqualTo(LINES - journaled);

                Map<String, Integer> seen = new HashMap<>();
                Map<String, String> texts = new HashMap<>();
                for (JsonNode out : client.content(done.get("output_file_id").asString())) {
                    seen.merge(out.get("custom_id").asString(), 1, Integer::sum);
                    texts.put(out.get("custom_id").asString(), out.get("response").get("body").get("choices").get(0).get("text").asString());
                }
                assertThat(seen).hasSize(LINES).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
                for (int i = 0; i < LINES; i++) {
                    JsonNode online = client.ok("POST", "/v1/completions", BatchLines.completionBody(i, MAX_TOKENS));
                    assertThat(texts.get("req-" + i)).as("req-%d", i).isEqualTo(online.get("choices").get(0).get("text").asString());
                }
            }
        } finally {
            if (gateway != null) {
                gateway.destroyForcibly();
            }
            for (TestingEngineProcess e : engines) {
                e.close();
            }
        }
    }

    /** Completions the gateway answered with 200 so far, from its Prometheus counter. */
    private static int completionsServed(BatchClient client) throws IOException, InterruptedException {
        String metrics = client.send("GET", "/metrics", null).body();
        Matcher m = Pattern.compile("llumnix_gateway_requests_total\\{[^}]*route=\"/v1/completions\"[^}]*status=\"200\"[^}]*} ([0-9.]+)")
                .matcher(metrics);
        return m.find() ? (int) Double.parseDouble(m.group(1)) : 0;
    }

    private Process startGateway(List<TestingEngineProcess> engines) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TestingGatewayMain.class.getName(), dir.toString(), "2"));
        engines.forEach(e -> cmd.add(e.baseUrl().toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String url(Process p) throws Exception {
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("LISTENING ")) {
                        url.complete(line.substring(10).strip());
                    } else if (!line.contains("WARNING")) {
                        System.err.println("[gateway] " + line);
                    }
                }
            } catch (IOException e) {
                // the child exited
            }
            url.completeExceptionally(new IllegalStateException("the gateway exited before listening"));
        });
        return url.get(60, TimeUnit.SECONDS);
    }
}
