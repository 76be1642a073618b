package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.RedisServerProcess;
import io.llumnix.scheduler.InstanceView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/**
 * Multi-process mode end to end: a real redis-server, two {@code llumnix engine} child processes publishing to it,
 * then {@code llumnix scheduler} and {@code llumnix gateway} (in this JVM, through their commands) wired by flags
 * only; a completion through the gateway is the golden greedy text.
 */
@Timeout(90)
class TestMultiProcessMode {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void schedulerAndGateway_overRedis_serveTheGoldenCompletion_andSeeBothEngines() throws Exception {
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        try (RedisServerProcess redis = RedisServerProcess.startNew();
                EngineFleet engines = EngineFleet.launch(2, List.of("--model", StoriesFixture.checkpoint(), "--tokenizer", StoriesFixture.tokenizer(),
                        "--cms-redis-host", "127.0.0.1", "--cms-redis-port", Integer.toString(redis.port()), "--cms-push-status-interval-ms", "40"),
                        log, Duration.ofSeconds(60));
                SchedulerCommand.Running scheduler = command(SchedulerCommand.class, "scheduler", "--redis", "127.0.0.1:" + redis.port(),
                        "--port", "0").start();
                GatewayCommand.Running gateway = command(GatewayCommand.class, "gateway", "--scheduler-url",
                        scheduler.service().baseUri().toString(), "--port", "0", "--redis", "127.0.0.1:" + redis.port(), "--model",
                        StoriesFixture.checkpoint(), "--tokenizer", StoriesFixture.tokenizer()).start();
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            assertThat(scheduler.control().reschedules()).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!bothScheduled(scheduler, engines) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(scheduler.control().scheduler().snapshot().instances()).as(logBytes.toString(StandardCharsets.UTF_8))
                    .extracting(InstanceView::instanceId)
                    .containsExactlyInAnyOrderElementsOf(engines.instances().stream().map(EngineFleet.Instance::instanceId).toList());
            assertThat(bothScheduled(scheduler, engines)).isTrue();

            String body = "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":60,\"temperature\":0}";
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.gateway().baseUrl() + "/v1/completions"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).get("choices").get(0).get("text").asString()).isEqualTo(StoriesFixture.COMPLETION_B);
            }
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(gateway.gateway().baseUrl() + "/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(models.body()).contains("stories260K");
            assertThat(scheduler.service().gateways()).isEqualTo(1);
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(scheduler.service().baseUri() + "/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).as("placed by the scheduler, not the gateway's fallback").containsPattern("llumnix_scheduler_decisions_total 2(\\.0)?\n");

            // The standalone rescheduler option reads the same store.
            try (ClusterControl rescheduler = command(ReschedulerCommand.class, "rescheduler", "--redis", "127.0.0.1:" + redis.port()).start()) {
                assertThat(rescheduler.reschedules()).isTrue();
                assertThat(rescheduler.scheduler().snapshot().instances()).hasSize(2);
            }
        }
    }

    @Test
    void scheduler_withNoRescheduler_leavesItToAStandaloneProcess() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startNew();
                SchedulerCommand.Running scheduler = command(SchedulerCommand.class, "scheduler", "--redis", "127.0.0.1:" + redis.port(),
                        "--port", "0", "--no-rescheduler").start()) {
            assertThat(scheduler.control().reschedules()).isFalse();
            assertThat(scheduler.service().baseUri().getPort()).isPositive();
        }
    }

    @Test
    void gateway_withBothRedisAndBackends_failsWithOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"gateway", "--scheduler-url", "http://127.0.0.1:1", "--redis", "127.0.0.1:6379", "--backends",
            "http://127.0.0.1:2"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("llumnix gateway: --redis and --backends are exclusive\n");
    }

    private static boolean bothScheduled(SchedulerCommand.Running scheduler, EngineFleet engines) {
        return engines.instances().stream().allMatch(i -> scheduler.control().scheduler().snapshot().find(i.instanceId())
                .flatMap(InstanceView::status).isPresent());
    }

    private static <T> T command(Class<T> type, String... args) {
        CommandLine cli = Main.commandLine(System.out, System.err);
        return type.cast(cli.parseArgs(args).subcommand().commandSpec().commandLine().getCommand());
    }
}
