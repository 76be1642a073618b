package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.ClusterView;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/** {@code llumnix status} against a gateway showing a fixed cluster view. */
@Timeout(60)
class TestStatusCommand {

    private final AtomicInteger polls = new AtomicInteger();
    private Gateway gateway;

    @BeforeEach
    void start() {
        ClusterView view = new ClusterView(1_700_000_000_000L, List.of(
                new ClusterView.Instance("engine-a", "http://127.0.0.1:9001", "m", "neutral", true, true, 3, 8, 1, 12, 3072, 4096, 4.25, 1, 2),
                new ClusterView.Instance("engine-b", "http://127.0.0.1:9002", "m", "neutral", true, false, 0, 1, 0, 1, 512, 4096, 1.5, 2, 0)));
        gateway = Gateway.start(GatewayConfig.defaults().withPort(0), new Scheduler(SchedulerConfig.builder().build(), Clock.system()),
                BackendDirectory.of(List.of()), ModelCatalog.estimating(), ApiKeys.open(), Clock.system(), () -> {
                    polls.incrementAndGet();
                    return view;
                });
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private static String out(TestGenerateCommand.Run run) {
        return new String(run.out(), StandardCharsets.UTF_8);
    }

    @Test
    void status_printsAnAlignedTableWithTotals() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("status", "--url", gateway.baseUrl());

        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = out(run).lines().toList();
        String header = lines.stream().filter(l -> l.startsWith("INSTANCE")).findFirst().orElseThrow();
        String a = lines.stream().filter(l -> l.startsWith("engine-a")).findFirst().orElseThrow();
        String b = lines.stream().filter(l -> l.startsWith("engine-b")).findFirst().orElseThrow();
        String total = lines.stream().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        assertThat(a).contains(" up ", "[####################] 12", "75.0", "3072/4096", "4.3", "1/2");
        assertThat(b).contains("draining", "12.5", "512/4096");
        assertThat(total).contains("1/2 up", "43.8", "3584/8192");
        // Aligned: every column ends where its header ends.
        int kvEnd = header.indexOf("KV %") + "KV %".length();
        assertThat(a.substring(kvEnd - 4, kvEnd)).isEqualTo("75.0");
        assertThat(b.substring(kvEnd - 4, kvEnd)).isEqualTo("12.5");
        assertThat(out(run)).contains("no migrations followed yet");
    }

    @Test
    void json_printsTheGatewaysDocument() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("status", "--url", gateway.baseUrl() + "/", "--json");

        assertThat(run.code()).as(run.err()).isZero();
        var root = JsonMapper.builder().build().readTree(out(run));
        assertThat(root.path("instances").get(0).path("id").asString()).isEqualTo("engine-a");
        assertThat(root.path("totals").path("instances").asInt()).isEqualTo(2);
    }

    @Test
    void migrations_areListedNewestFirst() {
        StatusCommand command = new StatusCommand();
        String text = command.render(JsonMapper.builder().build().readTree("""
                {"now_ms":0,"instances":[],"totals":{},"gateway":{},
                 "migrations":[{"request_id":"gw-1-2","from":"engine-a","to":"engine-b","at_ms":2000},
                               {"request_id":"gw-1-1","from":"engine-b","to":"engine-a","at_ms":1000}]}
                """));

        assertThat(text).contains("no instances known", "recent migrations");
        assertThat(text).containsPattern("gw-1-2  engine-a -> engine-b\\n.*gw-1-1  engine-b -> engine-a");
    }

    @Test
    void unreachableGateway_isOneLine_exit1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestGenerateCommand.Run run = TestGenerateCommand.main("status", "--url", "http://127.0.0.1:" + port);

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).doesNotContain("\n").startsWith("llumnix status: cannot reach the gateway at http://127.0.0.1:" + port);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void badUrl_isOneLine_exit1() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("status", "--url", "127.0.0.1:8000");

        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("--url must be an http(s) URL");
    }

    @Test
    void watch_redrawsEverySecond_untilInterrupted() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandLine cli = Main.commandLine(print, print);
        int[] code = {-1};
        Thread watcher = Thread.ofVirtual().start(() -> code[0] = cli.execute("status", "--url", gateway.baseUrl(), "--watch"));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (polls.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        watcher.interrupt();
        watcher.join(10_000);

        assertThat(watcher.isAlive()).isFalse();
        assertThat(code[0]).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text.split("\033\\[H\033\\[2J", -1).length - 1).isGreaterThanOrEqualTo(2);
        assertThat(text).contains("engine-a");
    }
}
