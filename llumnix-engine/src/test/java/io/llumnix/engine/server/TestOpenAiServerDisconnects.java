package io.llumnix.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.model.ModelLoader;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that go away abort their requests and free their KV blocks. Runs a synthetic model slow enough
 * (a few ms per token) that a 1500-token request is certainly still running when its client leaves.
 */
@Timeout(60)
class TestOpenAiServerDisconnects {

    private static final String MODEL = "synthetic:dim=256,layers=4,heads=4,vocab=32000,seq=2048,seed=7";
    private static final String REQUEST = "{\"prompt\":[1,300,301,302],\"max_tokens\":1500,\"temperature\":0.8,\"ignore_eos\":true%s}";
    private static final Pattern ABORTS = Pattern.compile("vllm:request_success_total\\{[^}]*finished_reason=\"abort\"} (\\d+)");

    private static TestingStoriesServer synthetic;
    private static TestingHttp http;

    @BeforeAll
    static void start() {
        synthetic = TestingStoriesServer.start(ModelLoader.load(MODEL, Optional.empty()), OpenAiServerConfig.of("synthetic", 0));
        http = new TestingHttp(synthetic.server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (synthetic != null) {
            synthetic.close();
        }
    }

    @Test
    void clientDisconnectMidStream_abortsTheRequest_andFreesItsBlocks() throws Exception {
        long abortsBefore = aborts();
        try (Socket socket = send(REQUEST.formatted(",\"stream\":true"))) {
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data: {")) {
                int b = in.read();
                assertThat(b).as("stream ended early: %s", seen).isNotEqualTo(-1);
                seen.append((char) b);
            }
            // The snapshot is published after the step whose token we just read: wait for it.
            awaitRunning();
            assertThat(synthetic.engine.snapshot().numUsedBlocks()).isPositive();
        }
        assertIdleAfterOneMoreAbort(abortsBefore);
    }

    @Test
    void clientDisconnectBeforeTheNonStreamingAnswer_abortsTheRequest_andFreesItsBlocks() throws Exception {
        long abortsBefore = aborts();
        try (Socket socket = send(REQUEST.formatted(""))) {
            awaitRunning();
        }
        assertIdleAfterOneMoreAbort(abortsBefore);
    }

    private static void awaitRunning() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (synthetic.engine.snapshot().numRunning() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(synthetic.engine.snapshot().numRunning()).isOne();
    }

    private static Socket send(String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", synthetic.server.port());
        socket.setSoTimeout(10_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    private static void assertIdleAfterOneMoreAbort(long abortsBefore) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        EngineSnapshot s = synthetic.engine.snapshot();
        while (System.nanoTime() < deadline && !(s.numUsedBlocks() == 0 && s.numRunning() == 0 && aborts() == abortsBefore + 1)) {
            Thread.sleep(20);
            s = synthetic.engine.snapshot();
        }
        assertThat(aborts()).isEqualTo(abortsBefore + 1);
        assertThat(s.numRunning()).isZero();
        assertThat(s.numUsedBlocks()).isZero();
    }

    private static long aborts() {
        Matcher m = ABORTS.matcher(http.get("/metrics").body());
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
