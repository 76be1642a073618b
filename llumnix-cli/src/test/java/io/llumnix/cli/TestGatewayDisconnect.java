package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.ModelCatalog;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The serve gateway relays streams, and a client leaving mid-stream aborts the request in the engine behind it. */
@Timeout(60)
class TestGatewayDisconnect {

    // Slow enough (milliseconds per token) that a 1500-token request is still running when the client leaves.
    private static final String MODEL = "synthetic:dim=256,layers=4,heads=4,vocab=32000,seq=2048,seed=7";

    @Test
    void clientLeavingMidStream_abortsTheRequestInTheEngine() throws Exception {
        LoadedModel model = ModelLoader.load(MODEL, Optional.empty());
        try (LlmEngine engine = EngineStarter.start(model, "synthetic", EngineConfig.defaults(model.shape().maxSeqLen()));
                OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("synthetic", 0));
                Gateway door = TestingGateways.nativeGateway(List.of(URI.create(server.baseUrl())), ModelCatalog.estimating())) {
            byte[] body = "{\"prompt\":[1,300,301],\"max_tokens\":1500,\"ignore_eos\":true,\"stream\":true}".getBytes(StandardCharsets.UTF_8);
            try (Socket socket = new Socket("127.0.0.1", door.port())) {
                socket.setSoTimeout(20_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains("\"text\"")) {
                    int b = in.read();
                    assertThat(b).as("relay ended early: %s", seen).isNotEqualTo(-1);
                    seen.append((char) b);
                }
                assertThat(seen.toString()).startsWith("HTTP/1.1 200").contains("text/event-stream");
                // The snapshot is published after the step whose token we just read: wait for it.
                long running = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (engine.snapshot().numRunning() == 0 && System.nanoTime() < running) {
                    Thread.sleep(5);
                }
                assertThat(engine.snapshot().numRunning()).isOne();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            EngineSnapshot s = engine.snapshot();
            while (System.nanoTime() < deadline && (s.numRunning() > 0 || s.numUsedBlocks() > 0)) {
                Thread.sleep(20);
                s = engine.snapshot();
            }
            assertThat(s.numRunning()).isZero();
            assertThat(s.numUsedBlocks()).isZero();
            assertThat(s.generationTokensTotal()).isLessThan(1500);
        }
    }
}
