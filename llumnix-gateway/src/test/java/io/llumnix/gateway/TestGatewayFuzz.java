package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.cms.InstanceMetadata;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random abuse of the front door in front of a real engine: malformed and random bodies, wrong types for every
 * field, invalid UTF-8, huge headers and request lines → always an answer below 500, never a hang; memory flat afterwards.
 */
@Timeout(120)
class TestGatewayFuzz {

    private static final long SEED = 20250605L;
    private static final String[] FIELDS = {"model", "prompt", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "seed", "stop", "stream", "stream_options", "n", "priority", "return_token_ids", "ignore_eos", "logit_bias", "echo"};

    private static LlmEngine engine;
    private static OpenAiServer server;
    private static Gateway gateway;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        LoadedModel model = ModelLoader.load(StoriesFixture.checkpoint(), Optional.of(Path.of(StoriesFixture.tokenizer())));
        engine = LlmEngine.start("stories260K", EngineConfig.defaults(model.shape().maxSeqLen()),
                model.newExecutor(EngineConfig.defaults(512).numKvBlocks(), 16), model.tokenizer(), Clock.system());
        server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 0));
        URI url = URI.create(server.baseUrl());
        InstanceMetadata m = new InstanceMetadata("e0", url.getHost(), url.getPort(), 0, io.llumnix.core.InferType.NEUTRAL, "", "",
                "stories260K", 0, 0, "");
        gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.NATIVE).withMaxBodyBytes(64 * 1024),
                TestingSchedulers.lite(List.of(m)), BackendDirectory.of(List.of(m)), StoriesFixture.catalog(), ApiKeys.open(), Clock.system());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        http.close();
        gateway.close();
        server.close();
        engine.close();
    }

    @Test
    void randomBodies_neverAnswer5xx_norHang() throws Exception {
        fuzzRound(new SplittableRandom(SEED), 400);
        Await.noneInFlight(gateway);
    }

    /**
     * The gateway keeps nothing per request once it answered: after a warm-up round, more rounds of abuse leave the heap
     * (after a full GC) where it was, and no thread is left behind.
     */
    @Test
    void memoryAndThreads_stayFlat_overRepeatedFuzzRounds() throws Exception {
        int rounds = 4;
        long[] used = new long[rounds];
        int[] threads = new int[rounds];
        for (int round = 0; round < rounds; round++) {
            fuzzRound(new SplittableRandom(SEED + 1 + round), 250);
            used[round] = usedHeapAfterGc();
            threads[round] = Thread.activeCount();
        }
        Await.noneInFlight(gateway);
        long growth = used[rounds - 1] - used[1];
        assertThat(growth).as("heap growth over %d rounds after the warm-up (bytes used per round: %s)", rounds - 2,
                java.util.Arrays.toString(used)).isLessThan(1L << 20); // measured: ~15 KB over 500 requests
        assertThat(threads[rounds - 1]).as("threads per round: %s", java.util.Arrays.toString(threads)).isLessThanOrEqualTo(threads[1] + 2);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void fuzzRound(SplittableRandom rnd, int requests) throws Exception {
        for (int i = 0; i < requests; i++) {
            byte[] body = randomBody(rnd);
            String path = rnd.nextBoolean() ? "/v1/completions" : "/v1/chat/completions";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("case %d: %s", i, new String(body, StandardCharsets.UTF_8)).isLessThan(500);
            if (r.statusCode() >= 400) {
                assertThat(r.body()).as("case %d", i).contains("\"error\"");
            }
        }
    }

    @Test
    void hugeHeadersAndRequestLines_are4xx() throws Exception {
        assertThat(rawStatus("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")).isBetween(400, 499);
        assertThat(rawStatus("GET /" + "p".repeat(64 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n")).isBetween(400, 499);
        assertThat(rawStatus("NONSENSE\r\n\r\n")).isBetween(400, 499);
        assertThat(rawStatus("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")).isBetween(400, 499);
        assertThat(rawStatus("GET /v1/completions HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(405);
        assertThat(rawStatus("POST /v1/completions HTTP/1.1\r\nHost: x\r\n" + "X-Many: b\r\n".repeat(3000) + "\r\n")).isBetween(400, 499);
    }

    private static int rawStatus(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (java.io.IOException e) {
                // the server may close before reading it all; its answer is still there
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                head.write(c);
            }
            String line = head.toString(StandardCharsets.ISO_8859_1);
            assertThat(line).as("status line for %s…", request.substring(0, Math.min(40, request.length()))).startsWith("HTTP/1.");
            return Integer.parseInt(line.substring(9, 12));
        }
    }

    private static byte[] randomBody(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> randomBytes(rnd);
            case 1 -> invalidUtf8(rnd);
            case 2 -> truncate(rnd, validish(rnd));
            default -> validish(rnd).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] randomBytes(SplittableRandom rnd) {
        byte[] b = new byte[rnd.nextInt(0, 300)];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] invalidUtf8(SplittableRandom rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("{\"model\":\"stories260K\",\"prompt\":\"".getBytes(StandardCharsets.UTF_8));
        byte[][] bad = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80}};
        out.writeBytes(bad[rnd.nextInt(bad.length)]);
        out.writeBytes("\",\"max_tokens\":2}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] truncate(SplittableRandom rnd, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(b, rnd.nextInt(0, Math.max(1, b.length)));
    }

    /** An object with a random subset of the known fields, each of a random (often wrong) type. */
    private static String validish(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder("{");
        int n = rnd.nextInt(0, 7);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(FIELDS[rnd.nextInt(FIELDS.length)]).append("\":").append(randomValue(rnd, 2));
        }
        if (rnd.nextInt(3) > 0) {
            sb.append(n > 0 ? "," : "").append("\"prompt\":\"Once\",\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],\"max_tokens\":2");
        }
        return sb.append('}').toString();
    }

    private static String randomValue(SplittableRandom rnd, int depth) {
        return switch (rnd.nextInt(depth > 0 ? 10 : 7)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(rnd.nextBoolean());
            case 2 -> Integer.toString(rnd.nextInt(-5, 600));
            case 3 -> Long.toString(rnd.nextLong());
            case 4 -> Double.toString(rnd.nextDouble(-3, 3));
            case 5 -> "\"" + "stories260K Once upon".substring(0, rnd.nextInt(0, 21)) + "\"";
            case 6 -> "1e999";
            case 7 -> "[" + randomValue(rnd, depth - 1) + "," + randomValue(rnd, depth - 1) + "]";
            case 8 -> "{\"role\":" + randomValue(rnd, depth - 1) + ",\"content\":" + randomValue(rnd, depth - 1) + "}";
            default -> "[{\"role\":\"user\",\"content\":" + randomValue(rnd, depth - 1) + "}]";
        };
    }
}
