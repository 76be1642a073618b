package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chaos under load: four engine processes serve a steady load of concurrent greedy streams through the gateway while
 * one engine process is SIGKILLed every few seconds (seeded choice) and restarted. No client sees a failure, and every
 * output is identical to the fault-free run of the same request: streams the gateway resumes on another instance,
 * requests that had not started yet it retries.
 */
@Tag("slow")
@Timeout(300)
class TestGatewayChaos {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long SEED = 20261122L;
    private static final long STEP_NANOS = 3_000_000L;
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom", "The little dog", "One day, a girl", "Tim had a red ball",
            "The sun was", "A big cat", "Sam wanted to"};
    private static final int CLIENTS = 6;
    private static final int KILLS = 4;

    @Test
    void enginesKilledAndRestartedUnderConcurrentStreams_noClientVisibleFailure_andFaultFreeOutputs() throws Exception {
        try (TestingCluster cluster = new TestingCluster(4, STEP_NANOS); HttpClient http = HttpClient.newHttpClient()) {
            URI url = URI.create(cluster.baseUrl() + "/v1/completions");
            List<String> expected = new ArrayList<>();
            for (int p = 0; p < PROMPTS.length; p++) {
                SseClient.Result clean = SseClient.stream(http, url, body(p), n -> {});
                assertThat(clean.done()).as("fault-free run of '%s'", PROMPTS[p]).isTrue();
                expected.add(clean.text());
            }

            AtomicBoolean chaos = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            int[] completed = new int[CLIENTS];
            ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                running.add(clients.submit(() -> {
                    for (int i = 0; chaos.get(); i++) {
                        int p = (client + i * CLIENTS) % PROMPTS.length;
                        SseClient.Result r = SseClient.stream(http, url, body(p), n -> {});
                        if (r.status() != 200 || !r.done() || !r.text().equals(expected.get(p))) {
                            failures.add("client " + client + " request " + i + " ('" + PROMPTS[p] + "'): status " + r.status() + ", done "
                                    + r.done() + ", text " + (r.text().equals(expected.get(p)) ? "identical" : "DIFFERS: " + r.text()));
                        }
                        completed[client]++;
                    }
                    return null;
                }));
            }

            SplittableRandom rnd = new SplittableRandom(SEED);
            long resumesBefore = cluster.gateway.resumes();
            for (int k = 0; k < KILLS; k++) {
                Thread.sleep(2_000);
                List<TestingEngineProcess> live = cluster.engines.stream().filter(TestingEngineProcess::alive).toList();
                TestingEngineProcess victim = live.get(rnd.nextInt(live.size()));
                victim.kill();
                cluster.refresh();
                cluster.restart(victim, STEP_NANOS);
            }
            Thread.sleep(1_000);
            chaos.set(false);
            for (Future<?> f : running) {
                f.get(120, TimeUnit.SECONDS);
            }
            clients.close();

            assertThat(failures).as("client-visible failures").isEmpty();
            int total = 0;
            for (int c : completed) {
                total += c;
            }
            assertThat(total).as("requests completed during the chaos").isGreaterThanOrEqualTo(2 * CLIENTS);
            assertThat(cluster.gateway.resumes() + cluster.gateway.retries() - resumesBefore)
                    .as("streams the gateway resumed or retried after a kill").isPositive();
            Await.noneInFlight(cluster.gateway);
        }
    }

    private static String body(int prompt) {
        return "{\"model\":\"stories260K\",\"prompt\":" + JSON.writeValueAsString(PROMPTS[prompt]) + ",\"max_tokens\":200,"
                + "\"temperature\":0,\"ignore_eos\":true,\"stream\":true}";
    }
}
