package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.llumlet.Llumlet;
import io.llumnix.llumlet.LlumletConfig;
import io.llumnix.llumlet.MigrationConfig;
import io.llumnix.llumlet.MigrationOutcome;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Output continuity: a request live-migrated between two engines while a client reads it through the
 * gateway arrives as one stream, token-identical to a run without migration: no gap, duplicate
 * or reorder; non-streaming answers are whole too.
 */
@Timeout(120)
class TestMigrationThroughGateway {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BODY = "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":300,\"temperature\":0,"
            + "\"ignore_eos\":true,\"return_token_ids\":true%s}";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Llumlet> llumlets = new ArrayList<>();
    private Gateway door;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        LoadedModel model = ModelLoader.load(StoriesFixture.checkpoint(), Optional.of(Path.of(StoriesFixture.tokenizer())));
        List<URI> urls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            EngineConfig config = EngineConfig.defaults(model.shape().maxSeqLen());
            LlmEngine engine = EngineStarter.start(model, "stories260K", config, 4_000_000L);
            OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 0));
            Llumlet llumlet = Llumlet.start(engine, new LlumletConfig("e" + i, "127.0.0.1", 0, server.baseUrl(), InferType.NEUTRAL, "", "",
                    MigrationConfig.defaults()), Clock.system());
            closeables.add(engine);
            closeables.add(server);
            closeables.add(llumlet);
            llumlets.add(llumlet);
            urls.add(URI.create(server.baseUrl()));
        }
        door = TestingGateways.nativeGateway(urls, ModelCatalog.estimating());
    }

    @AfterEach
    void stop() throws Exception {
        door.close();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        http.close();
    }

    private HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(door.baseUrl() + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Migrates {@code requestId} away from whichever instance runs it; the other instance reports SKIPPED. */
    private MigrationOutcome migrate(String requestId) throws Exception {
        MigrationOutcome a = llumlets.get(0).migrate(requestId, llumlets.get(1).address(), false).get(30, TimeUnit.SECONDS);
        if (a.committed()) {
            return a;
        }
        MigrationOutcome b = llumlets.get(1).migrate(requestId, llumlets.get(0).address(), false).get(30, TimeUnit.SECONDS);
        return b.committed() ? b : a.result() == MigrationOutcome.Result.SKIPPED ? b : a;
    }

    @Test
    void streamMigratedTwice_isSeamlessAndTokenIdentical() throws Exception {
        JsonNode reference = JSON.readTree(http.send(post(BODY.formatted("")), HttpResponse.BodyHandlers.ofString()).body());
        String expectedText = reference.path("choices").path(0).path("text").asString();
        List<Integer> expectedIds = new ArrayList<>();
        reference.path("choices").path(0).path("token_ids").forEach(n -> expectedIds.add(n.asInt()));
        assertThat(expectedIds).hasSize(300);

        HttpResponse<java.io.InputStream> resp = http.send(post(BODY.formatted(",\"stream\":true")), HttpResponse.BodyHandlers.ofInputStream());
        String requestId = resp.headers().firstValue("X-Request-Id").orElseThrow();
        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        List<CompletableFuture<MigrationOutcome>> migrations = new ArrayList<>();
        int done = 0;
        String finish = "";
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    throw new AssertionError("the relay leaked an engine-internal event: " + line);
                }
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done++;
                    continue;
                }
                JsonNode choice = JSON.readTree(data).path("choices").path(0);
                text.append(choice.path("text").asString(""));
                choice.path("token_ids").forEach(n -> ids.add(n.asInt()));
                if (!choice.path("finish_reason").isNull()) {
                    finish = choice.path("finish_reason").asString();
                }
                if (ids.size() == 40 || ids.size() == 160) {
                    migrations.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return migrate(requestId);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
            }
        }
        for (CompletableFuture<MigrationOutcome> m : migrations) {
            MigrationOutcome o = m.get(30, TimeUnit.SECONDS);
            assertThat(o.committed()).as("migration committed: %s", o).isTrue();
        }
        assertThat(ids).containsExactlyElementsOf(expectedIds);
        assertThat(text.toString()).isEqualTo(expectedText);
        assertThat(done).isOne();
        assertThat(finish).isEqualTo("length");
    }

    @Test
    void nonStreamingAnswer_ofAMigratedRequest_isWhole() throws Exception {
        JsonNode reference = JSON.readTree(http.send(post(BODY.formatted("")), HttpResponse.BodyHandlers.ofString()).body());
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(post(BODY.formatted("")), HttpResponse.BodyHandlers.ofString());
        // Find the running request and move it while it decodes.
        String requestId = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (requestId.isEmpty() && System.nanoTime() < deadline) {
            for (Llumlet l : llumlets) {
                List<String> running = l.engine().onStepThread(c -> c.runningRequests().stream()
                        .filter(r -> r.numOutputTokens() > 20).map(r -> r.requestId()).toList()).get(5, TimeUnit.SECONDS);
                if (!running.isEmpty()) {
                    requestId = running.getFirst();
                }
            }
            Thread.sleep(2);
        }
        assertThat(requestId).as("a running request").isNotEmpty();
        MigrationOutcome o = migrate(requestId);
        assertThat(o.committed()).as(o.toString()).isTrue();
        HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode got = JSON.readTree(r.body());
        assertThat(got.path("choices").path(0).path("text").asString())
                .isEqualTo(reference.path("choices").path(0).path("text").asString());
        assertThat(got.path("choices").path(0).path("token_ids")).isEqualTo(reference.path("choices").path(0).path("token_ids"));
        assertThat(got.path("usage").path("completion_tokens").asInt()).isEqualTo(300);
    }
}
