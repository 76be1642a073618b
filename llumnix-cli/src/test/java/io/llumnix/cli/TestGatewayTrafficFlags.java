package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code llumnix gateway --pool … --mirror-pool …}: the flags reach the gateway, which splits and mirrors. */
@Timeout(120)
class TestGatewayTrafficFlags {

    /** A loopback OpenAI-ish upstream that counts requests and answers a fixed completion. */
    private record Upstream(HttpServer server, AtomicInteger requests) implements AutoCloseable {
        static Upstream start(String id) throws Exception {
            AtomicInteger n = new AtomicInteger();
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            s.createContext("/", ex -> {
                ex.getRequestBody().readAllBytes();
                n.incrementAndGet();
                byte[] out = ("{\"id\":\"cmpl-" + id + "\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"x\"}],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
                ex.close();
            });
            s.start();
            return new Upstream(s, n);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static GatewayCommand parse(String... args) {
        CommandLine cli = Main.commandLine(System.out, System.err);
        return (GatewayCommand) cli.parseArgs(args).subcommand().commandSpec().commandLine().getCommand();
    }

    @Test
    void poolsAndMirror_splitAndMirrorRequests_evenWhileTheSchedulerIsDown() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (Upstream a = Upstream.start("a"); Upstream b = Upstream.start("b"); Upstream shadow = Upstream.start("shadow");
                HttpClient http = HttpClient.newHttpClient();
                GatewayCommand.Running running = parse("gateway", "--scheduler-url", "http://127.0.0.1:" + deadPort, "--port", "0",
                        "--pool", "a=1:" + a.url(), "--pool", "b=3:" + b.url(), "--mirror-pool", shadow.url(), "--mirror-fraction", "0.5",
                        "--traffic-seed", "7").start()) {
            int n = 200;
            for (int i = 0; i < n; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(running.gateway().baseUrl() + "/v1/completions"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":1}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            assertThat(a.requests().get() + b.requests().get()).isEqualTo(n);
            assertThat(b.requests().get()).isBetween(125, 175); // 150 ± 4 sd
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && shadow.requests().get() < 70) {
                Thread.sleep(20);
            }
            assertThat(shadow.requests().get()).isBetween(70, 130); // 100 ± 4 sd
        }
    }

    @Test
    void badPoolSpec_isAUserError() {
        GatewayCommand command = parse("gateway", "--scheduler-url", "http://127.0.0.1:1", "--port", "0", "--pool", "a=heavy:http://h:1");
        assertThatThrownBy(command::start).isInstanceOf(UserException.class).hasMessageContaining("weight must be an integer");
    }
}
