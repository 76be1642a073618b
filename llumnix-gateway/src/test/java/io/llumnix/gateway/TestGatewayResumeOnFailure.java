package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chaos: the engine process serving a greedy stream is SIGKILLed mid-stream; the gateway resumes the request on
 * another instance from the tokens generated so far, and the client reads exactly the text of a fault-free run —
 * in the same stream, with the same id, for completions and for chat, with correct usage.
 */
@Tag("slow")
@Timeout(240)
class TestGatewayResumeOnFailure {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static TestingCluster cluster;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        // Paced steps (4 ms) so that a 300-token stream lasts long enough to be killed in the middle.
        cluster = new TestingCluster(3, 4_000_000L);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        http.close();
    }

    @Test
    void completionStream_engineKilledMidStream_clientSeesFaultFreeText() throws Exception {
        String body = "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":300,\"temperature\":0,\"ignore_eos\":true,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        URI url = URI.create(cluster.baseUrl() + "/v1/completions");
        SseClient.Result clean = SseClient.stream(http, url, body, n -> {});
        assertThat(clean.done()).isTrue();
        assertThat(clean.text()).startsWith(StoriesFixture.COMPLETION_B);

        long resumesBefore = cluster.gateway.resumes();
        SseClient.Result faulted = SseClient.stream(http, url, body, killServingEngineAt(60));
        cluster.refresh();

        assertThat(cluster.gateway.resumes()).isGreaterThan(resumesBefore);
        assertThat(faulted.done()).isTrue();
        assertThat(faulted.finishReason()).isEqualTo("length");
        assertThat(faulted.text()).isEqualTo(clean.text());
        assertThat(faulted.chunks()).extracting(c -> c.path("id").asString()).containsOnly(faulted.chunks().getFirst().path("id").asString());
        JsonNode usage = faulted.chunks().getLast().path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(300);
        assertThat(faulted.chunks()).allSatisfy(c -> assertThat(c.toString()).doesNotContain("token_ids"));
    }

    @Test
    void chatStream_engineKilledMidStream_continuesAsChatChunks() throws Exception {
        String body = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Lily and Tom\"}],\"max_tokens\":250,"
                + "\"temperature\":0,\"ignore_eos\":true,\"stream\":true}";
        URI url = URI.create(cluster.baseUrl() + "/v1/chat/completions");
        SseClient.Result clean = SseClient.stream(http, url, body, n -> {});
        assertThat(clean.done()).isTrue();

        long resumesBefore = cluster.gateway.resumes();
        SseClient.Result faulted = SseClient.stream(http, url, body, killServingEngineAt(40));
        cluster.refresh();

        assertThat(cluster.gateway.resumes()).isGreaterThan(resumesBefore);
        assertThat(faulted.done()).isTrue();
        assertThat(faulted.text()).isEqualTo(clean.text());
        assertThat(faulted.chunks()).allSatisfy(c -> assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk"));
        assertThat(faulted.chunks().stream().filter(c -> c.path("choices").path(0).path("delta").has("role")).count()).isEqualTo(1);
    }

    /** After {@code chunks} chunks, SIGKILLs the (live) engine that is running a request. */
    private static java.util.function.IntConsumer killServingEngineAt(int chunks) {
        AtomicBoolean killed = new AtomicBoolean();
        return n -> {
            if (n == chunks && killed.compareAndSet(false, true)) {
                try {
                    for (TestingEngineProcess e : cluster.engines) {
                        if (e.alive() && running(e) > 0) {
                            e.kill();
                            return;
                        }
                    }
                    throw new AssertionError("no engine was running the request");
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            }
        };
    }

    private static int running(TestingEngineProcess e) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(e.baseUrl().resolve("/internal/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("numRunning").asInt();
    }

}
