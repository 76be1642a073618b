package io.llumnix.engine.server;

import static io.llumnix.engine.server.TestingHttp.JSON;
import static io.llumnix.engine.server.TestingHttp.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.EngineSnapshot;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** The OpenAI server over a real stories260K engine: golden outputs, streaming, errors, disconnects, metrics. */
@Timeout(120)
class TestOpenAiServer {

    private static TestingStoriesServer stories;
    private static TestingHttp http;

    @BeforeAll
    static void start() {
        stories = TestingStoriesServer.start();
        http = new TestingHttp(stories.server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (stories != null) {
            stories.close();
        }
    }

    @Test
    void completion_matchesGoldenCaseB_nonStreaming() {
        TestingHttp.Response r = http.post("/v1/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":60,\"temperature\":0,\"return_token_ids\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.get("object").asString()).isEqualTo("text_completion");
        assertThat(body.get("model").asString()).isEqualTo("stories260K");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("text").asString()).isEqualTo(StoriesGolden.COMPLETION_B);
        assertThat(choice.get("finish_reason").asString()).isEqualTo("length");
        assertThat(ints(choice.get("token_ids"))).containsExactly(StoriesGolden.OUTPUT_IDS_B);
        assertThat(ints(choice.get("prompt_token_ids"))).containsExactly(StoriesGolden.PROMPT_IDS_B);
        assertUsage(body.get("usage"), 5, 60);
    }

    @Test
    void completion_matchesGoldenCaseB_streaming() {
        TestingHttp.Response r = http.post("/v1/completions",
                "{\"prompt\":\"Once upon a time\",\"max_tokens\":60,\"temperature\":0,\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true},\"return_token_ids\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        List<String> data = sseData(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        String finishReason = null;
        JsonNode usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = JSON.readTree(d);
            assertThat(chunk.get("object").asString()).isEqualTo("text_completion");
            if (chunk.get("choices").isEmpty()) {
                usage = chunk.get("usage");
                continue;
            }
            JsonNode choice = chunk.get("choices").get(0);
            text.append(choice.get("text").asString());
            choice.get("token_ids").values().forEach(t -> ids.add(t.intValue()));
            if (!choice.get("finish_reason").isNull()) {
                finishReason = choice.get("finish_reason").asString();
            }
        }
        assertThat(text.toString()).isEqualTo(StoriesGolden.COMPLETION_B);
        assertThat(ids).containsExactly(Arrays.stream(StoriesGolden.OUTPUT_IDS_B).boxed().toArray(Integer[]::new));
        assertThat(finishReason).isEqualTo("length");
        assertThat(usage).isNotNull();
        assertUsage(usage, 5, 60);
    }

    @Test
    void completion_ofTokenIds_matchesGoldenCaseC() {
        TestingHttp.Response r = http.post("/v1/completions", "{\"prompt\":" + Arrays.toString(StoriesGolden.PROMPT_IDS_C)
                + ",\"max_tokens\":40,\"temperature\":0,\"return_token_ids\":true}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode choice = r.json().get("choices").get(0);
        assertThat(choice.get("text").asString()).isEqualTo(StoriesGolden.COMPLETION_C);
        assertThat(ints(choice.get("token_ids"))).containsExactly(StoriesGolden.OUTPUT_IDS_C);
        assertUsage(r.json().get("usage"), 9, 40);
    }

    @Test
    void completion_ofTokenIds_streaming_matchesGoldenCaseC() {
        TestingHttp.Response r = http.post("/v1/completions", "{\"prompt\":[" + Arrays.toString(StoriesGolden.PROMPT_IDS_C)
                + "],\"max_tokens\":40,\"temperature\":0,\"stream\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(streamedText(r.body())).isEqualTo(StoriesGolden.COMPLETION_C);
    }

    @Test
    void chat_continuesTheUserMessage_nonStreamingAndStreaming() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]";
        TestingHttp.Response r = http.post("/v1/chat/completions",
                "{\"model\":\"stories260K\"," + messages + ",\"max_completion_tokens\":60,\"temperature\":0}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("object").asString()).isEqualTo("chat.completion");
        JsonNode message = body.get("choices").get(0).get("message");
        assertThat(message.get("role").asString()).isEqualTo("assistant");
        assertThat(message.get("content").asString()).isEqualTo(StoriesGolden.COMPLETION_B);
        assertUsage(body.get("usage"), 5, 60);

        TestingHttp.Response s = http.post("/v1/chat/completions", "{" + messages + ",\"max_tokens\":60,\"temperature\":0,\"stream\":true}");
        assertThat(s.status()).isEqualTo(200);
        List<String> data = sseData(s.body());
        JsonNode first = JSON.readTree(data.getFirst());
        assertThat(first.get("object").asString()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("choices").get(0).get("delta").get("role").asString()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode delta = JSON.readTree(d).get("choices").get(0).get("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").asString());
            }
        }
        assertThat(text.toString()).isEqualTo(StoriesGolden.COMPLETION_B);
        assertThat(data.getLast()).isEqualTo("[DONE]");
    }

    @Test
    void badRequests_getOpenAiErrors_andTheServerKeepsServing() {
        record Case(String path, String body, int status, String param) {}
        String longPrompt = Arrays.toString(IntStream.range(0, 600).map(i -> 300).toArray());
        List<Case> cases = List.of(
                new Case("/v1/completions", "{\"prompt\":\"Once", 400, null),
                new Case("/v1/completions", "[1,2,3]", 400, null),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":\"ten\"}", 400, "max_tokens"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1.5}", 400, "max_tokens"),
                new Case("/v1/completions", "{\"prompt\":5}", 400, "prompt"),
                new Case("/v1/completions", "{\"prompt\":[1,99999]}", 400, "prompt"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"stream\":\"yes\"}", 400, "stream"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":0}", 400, "max_tokens"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":-3}", 400, "max_tokens"),
                new Case("/v1/completions", "{\"prompt\":" + longPrompt + "}", 400, "prompt"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":100000}", 400, "max_tokens"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"temperature\":2.5}", 400, "temperature"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"temperature\":\"hot\"}", 400, "temperature"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"top_p\":0}", 400, "top_p"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"top_p\":1.5}", 400, "top_p"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"n\":2}", 400, "n"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"echo\":true}", 400, "echo"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"stream_options\":{\"include_usage\":true}}", 400, "stream_options"),
                new Case("/v1/completions", "{\"model\":\"gpt-4\",\"prompt\":\"hi\"}", 400, "model"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"pd_decode_llumlet\":\"nohost\"}", 400, "pd_decode_llumlet"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"pd_decode_llumlet\":\"h:99999\"}", 400, "pd_decode_llumlet"),
                new Case("/v1/completions", "{\"prompt\":\"hi\",\"pd_decode_llumlet\":7}", 400, "pd_decode_llumlet"),
                new Case("/v1/chat/completions", "{\"messages\":[]}", 400, "messages"),
                new Case("/v1/chat/completions", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", 400, "messages[0].role"),
                new Case("/v1/chat/completions", "{\"messages\":\"hi\"}", 400, "messages"),
                new Case("/v1/nothing", "{}", 404, null));
        for (Case c : cases) {
            TestingHttp.Response r = http.post(c.path(), c.body());
            assertThat(r.status()).as("%s %s", c.path(), c.body()).isEqualTo(c.status());
            assertThat(r.contentType()).startsWith("application/json");
            JsonNode error = r.json().get("error");
            assertThat(error.get("message").asString()).as(c.body()).isNotBlank();
            assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.has("code")).isTrue();
            if (c.param() != null) {
                assertThat(error.get("param").asString()).as(c.body()).isEqualTo(c.param());
            }
        }
        TestingHttp.Response wrongMethod = http.get("/v1/completions");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().get("error").get("code").asString()).isEqualTo("method_not_allowed");
        assertThat(http.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":60,\"temperature\":0}")
                .json().get("choices").get(0).get("text").asString()).isEqualTo(StoriesGolden.COMPLETION_B);
        assertThat(http.get("/health").status()).isEqualTo(200);
    }

    @Test
    void callerChosenRequestId_namesTheEngineRequest_andTheResponseId() {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(stories.server.baseUrl() + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Once upon a time\",\"max_tokens\":3,\"temperature\":0}"));
        TestingHttp.Response ok = http.send(b.copy().header(OpenAiServer.REQUEST_ID_HEADER, "gw-ab12-7").build());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("id").asString()).isEqualTo("cmpl-gw-ab12-7");
        TestingHttp.Response bad = http.send(b.copy().header(OpenAiServer.REQUEST_ID_HEADER, "no spaces/slashes").build());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").get("param").asString()).isEqualTo(OpenAiServer.REQUEST_ID_HEADER);
    }

    @Test
    void oversizedBody_gets413() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", stories.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + (64L << 20) + "\r\n\r\n{\"prompt\":\"").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        assertThat(http.get("/health").status()).isEqualTo(200);
    }

    @Test
    void concurrentStreams_eachGetTheGoldenText() throws InterruptedException {
        List<CompletableFuture<TestingHttp.Response>> streams = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            boolean caseB = i % 2 == 0;
            String prompt = caseB ? StoriesGolden.PROMPT_B : StoriesGolden.PROMPT_C;
            int max = caseB ? 60 : 40;
            streams.add(http.postAsync("/v1/completions",
                    "{\"prompt\":\"" + prompt + "\",\"max_tokens\":" + max + ",\"temperature\":0,\"stream\":true}"));
        }
        for (int i = 0; i < streams.size(); i++) {
            TestingHttp.Response r = streams.get(i).join();
            assertThat(r.status()).isEqualTo(200);
            assertThat(streamedText(r.body())).isEqualTo(i % 2 == 0 ? StoriesGolden.COMPLETION_B : StoriesGolden.COMPLETION_C);
        }
        assertThat(awaitIdle().numUsedBlocks()).isZero();
    }

    @Test
    void metrics_useVllmNames() {
        http.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}");
        TestingHttp.Response r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body()).contains(
                "vllm:num_requests_running{model_name=\"stories260K\"} ",
                "vllm:num_requests_waiting{model_name=\"stories260K\"} ",
                "vllm:kv_cache_usage_perc{model_name=\"stories260K\"} ",
                "# TYPE vllm:prefix_cache_queries counter",
                "vllm:prefix_cache_queries_total{",
                "vllm:prefix_cache_hits_total{",
                "vllm:prompt_tokens_total{",
                "vllm:generation_tokens_total{",
                "vllm:num_preemptions_total{",
                "# TYPE vllm:time_to_first_token_seconds histogram",
                "vllm:time_to_first_token_seconds_bucket{model_name=\"stories260K\",le=\"+Inf\"} ",
                "vllm:inter_token_latency_seconds_count{",
                "vllm:request_success_total{model_name=\"stories260K\",finished_reason=\"length\"} ");
        assertThat(r.body()).doesNotContain("vllm_num_requests");
    }

    @Test
    void models_health_and_status() {
        JsonNode models = http.get("/v1/models").json();
        assertThat(models.get("object").asString()).isEqualTo("list");
        assertThat(models.get("data").get(0).get("id").asString()).isEqualTo("stories260K");
        assertThat(models.get("data").get(0).get("max_model_len").intValue()).isEqualTo(512);
        assertThat(http.get("/health").status()).isEqualTo(200);
        JsonNode status = http.get("/internal/status").json();
        assertThat(status.get("numTotalBlocks").intValue()).isEqualTo(stories.engine.snapshot().numTotalBlocks());
        assertThat(status.has("numUsedBlocks")).isTrue();
    }

    private static EngineSnapshot awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        EngineSnapshot s = stories.engine.snapshot();
        while (System.nanoTime() < deadline) {
            s = stories.engine.snapshot();
            if (s.numUsedBlocks() == 0 && s.numRunning() == 0 && s.numWaiting() == 0) {
                return s;
            }
            Thread.sleep(20);
        }
        return s;
    }

    private static String streamedText(String body) {
        StringBuilder text = new StringBuilder();
        for (String d : sseData(body)) {
            if (d.equals("[DONE]")) {
                break;
            }
            JsonNode choices = JSON.readTree(d).get("choices");
            if (!choices.isEmpty()) {
                text.append(choices.get(0).get("text").asString());
            }
        }
        return text.toString();
    }

    private static int[] ints(JsonNode array) {
        return array.valueStream().mapToInt(JsonNode::intValue).toArray();
    }

    private static void assertUsage(JsonNode usage, int prompt, int completion) {
        assertThat(usage.get("prompt_tokens").intValue()).isEqualTo(prompt);
        assertThat(usage.get("completion_tokens").intValue()).isEqualTo(completion);
        assertThat(usage.get("total_tokens").intValue()).isEqualTo(prompt + completion);
    }
}
