package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import io.llumnix.gateway.batch.BatchConfig;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The Files and Batches API over real HTTP against two real stories260K engines: a batch's outputs equal the same
 * requests made online (greedy), failed lines land in the error file, cancel, and every bad input is a 400/404
 * OpenAI error, never a 5xx.
 */
@Timeout(120)
class TestGatewayBatches {

    @TempDir
    static Path dir;

    private static TestingCluster cluster;
    private static BatchClient client;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestingCluster(2, 0);
        cluster.gateway.enableBatches(BatchConfig.defaults(dir).withMaxFileBytes(256 * 1024).withConcurrency(4));
        client = new BatchClient(cluster.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void batch_outputsEqualOnlineAnswers_failedLineInErrorFile() throws Exception {
        List<String> lines = new ArrayList<>(BatchLines.completions(20, 16));
        lines.add("{\"custom_id\":\"bad\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"stories260K\",\"prompt\":\"hi\","
                + "\"max_tokens\":0}}");
        String fileId = client.uploadOk(lines);
        JsonNode file = client.ok("GET", "/v1/files/" + fileId, null);
        assertThat(file.get("object").asString()).isEqualTo("file");
        assertThat(file.get("purpose").asString()).isEqualTo("batch");
        assertThat(file.get("filename").asString()).isEqualTo("input.jsonl");

        String batchId = client.createBatch(fileId, "/v1/completions");
        JsonNode done = client.await(batchId, BatchClient::terminal, Duration.ofSeconds(60));
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(done.get("object").asString()).isEqualTo("batch");
        assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":21,\"completed\":20,\"failed\":1}");
        assertThat(done.get("in_progress_at").isNumber()).isTrue();
        assertThat(done.get("completed_at").isNumber()).isTrue();

        List<JsonNode> outputs = client.content(done.get("output_file_id").asString());
        assertThat(outputs).extracting(out -> out.get("custom_id").asString())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "req-" + i).toList()); // input order
        Map<String, String> batchTexts = new HashMap<>();
        for (JsonNode out : outputs) {
            assertThat(out.get("id").asString()).startsWith("batch_req_");
            assertThat(out.get("error").isNull()).isTrue();
            assertThat(out.get("response").get("status_code").asInt()).isEqualTo(200);
            assertThat(out.get("response").get("request_id").asString()).isNotEmpty();
            batchTexts.put(out.get("custom_id").asString(), out.get("response").get("body").get("choices").get(0).get("text").asString());
        }
        for (int i = 0; i < 20; i++) {
            JsonNode online = client.ok("POST", "/v1/completions", BatchLines.completionBody(i, 16));
            assertThat(batchTexts.get("req-" + i)).as("req-%d", i).isEqualTo(online.get("choices").get(0).get("text").asString());
        }

        List<JsonNode> errors = client.content(done.get("error_file_id").asString());
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst().get("custom_id").asString()).isEqualTo("bad");
        assertThat(errors.getFirst().get("response").get("status_code").asInt()).isEqualTo(400);
        assertThat(errors.getFirst().get("response").get("body").get("error").get("type").asString()).isEqualTo("invalid_request_error");

        JsonNode outputFiles = client.ok("GET", "/v1/files?purpose=batch_output", null);
        assertThat(outputFiles.get("data").findValuesAsString("id")).contains(done.get("output_file_id").asString(),
                done.get("error_file_id").asString());
        JsonNode list = client.ok("GET", "/v1/batches?limit=100", null);
        assertThat(list.get("object").asString()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsString("id")).contains(batchId);
    }

    @Test
    void openAiSdk_uploadsCreatesRetrievesAndReadsAChatBatch() throws Exception {
        Path input = dir.resolve("sdk-input.jsonl");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            jsonl.append("{\"custom_id\":\"chat-").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":")
                    .append("{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"").append(BatchLines.prompt(i))
                    .append("\"}],\"max_completion_tokens\":12,\"temperature\":0}}\n");
        }
        Files.writeString(input, jsonl);
        OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(cluster.baseUrl() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
        try {
            FileObject file = sdk.files().create(FileCreateParams.builder().file(input).purpose(FilePurpose.BATCH).build());
            assertThat(file.filename()).isEqualTo("sdk-input.jsonl");
            assertThat(file.bytes()).isEqualTo(Files.size(input));
            assertThat(sdk.files().retrieve(file.id()).id()).isEqualTo(file.id());

            Batch batch = sdk.batches().create(BatchCreateParams.builder().inputFileId(file.id())
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build());
            assertThat(batch.inputFileId()).isEqualTo(file.id());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!batch.status().equals(Batch.Status.COMPLETED) && System.nanoTime() < deadline) {
                Thread.sleep(50);
                batch = sdk.batches().retrieve(batch.id());
            }
            assertThat(batch.status()).isEqualTo(Batch.Status.COMPLETED);
            assertThat(batch.requestCounts().orElseThrow().completed()).isEqualTo(3);
            assertThat(batch.errorFileId()).isEmpty();
            String batchId = batch.id();
            assertThat(sdk.batches().list().data()).anySatisfy(b -> assertThat(b.id()).isEqualTo(batchId));

            String output;
            try (HttpResponse content = sdk.files().content(batch.outputFileId().orElseThrow())) {
                output = new String(content.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            List<String> lines = output.lines().toList();
            assertThat(lines).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode out = BatchClient.JSON.readTree(lines.get(i));
                assertThat(out.get("custom_id").asString()).isEqualTo("chat-" + i);
                assertThat(out.get("response").get("body").get("object").asString()).isEqualTo("chat.completion");
            }
            assertThatThrownBy(() -> sdk.batches().create(BatchCreateParams.builder().inputFileId("file-missing")
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).completionWindow(BatchCreateParams.CompletionWindow._24H).build()))
                    .isInstanceOf(BadRequestException.class).hasMessageContaining("No file");
        } finally {
            sdk.close();
        }
    }

    @Test
    void cancel_stopsTheBatch_keepsWhatFinished() throws Exception {
        List<String> lines = BatchLines.completions(40, 100).stream().map(l -> l.replace("\"temperature\":0", "\"temperature\":0,\"ignore_eos\":true"))
                .toList();
        String fileId = client.uploadOk(lines);
        String batchId = client.createBatch(fileId, "/v1/completions");
        client.await(batchId, b -> b.get("request_counts").get("completed").asInt() >= 1, Duration.ofSeconds(60));
        JsonNode cancelling = client.ok("POST", "/v1/batches/" + batchId + "/cancel", null);
        assertThat(cancelling.get("status").asString()).isEqualTo("cancelling");
        assertThat(cancelling.get("cancelling_at").isNumber()).isTrue();
        JsonNode done = client.await(batchId, BatchClient::terminal, Duration.ofSeconds(60));
        assertThat(done.get("status").asString()).isEqualTo("cancelled");
        assertThat(done.get("cancelled_at").isNumber()).isTrue();
        // What finished before the cancel, and the lines in flight at the cancel, are kept; nothing else ran.
        int completed = done.get("request_counts").get("completed").asInt();
        assertThat(completed).isBetween(1, 39);
        assertThat(done.get("request_counts").get("failed").asInt()).isZero();
        assertThat(client.content(done.get("output_file_id").asString())).hasSize(completed)
                .allSatisfy(out -> assertThat(out.get("response").get("body").get("usage").get("completion_tokens").asInt()).isEqualTo(100));
        // Cancelling again is harmless; the input file can go now that the batch is over.
        assertThat(client.ok("POST", "/v1/batches/" + batchId + "/cancel", null).get("status").asString()).isEqualTo("cancelled");
        assertThat(client.ok("DELETE", "/v1/files/" + fileId, null).get("deleted").asBoolean()).isTrue();
        assertThat(client.send("GET", "/v1/files/" + fileId, null).statusCode()).isEqualTo(404);
    }

    @Test
    void badInputs_areOpenAiErrors_never5xx() throws Exception {
        String good = BatchLines.completions(1, 4).getFirst();
        assertError(client.upload("x.jsonl", "batch", (good + "\n{not json\n").getBytes(StandardCharsets.UTF_8)), 400, "line 2");
        assertError(client.upload("x.jsonl", "batch", (good + "\n" + good + "\n").getBytes(StandardCharsets.UTF_8)), 400, "unique");
        assertError(client.upload("x.jsonl", "batch", good.replace("/v1/completions", "/v1/embeddings").getBytes(StandardCharsets.UTF_8)),
                400, "url must be one of");
        assertError(client.upload("x.jsonl", "batch", good.replace("\"POST\"", "\"GET\"").getBytes(StandardCharsets.UTF_8)), 400, "method");
        assertError(client.upload("x.jsonl", "batch", good.replace("\"temperature\":0", "\"temperature\":0,\"stream\":true")
                .getBytes(StandardCharsets.UTF_8)), 400, "stream");
        assertError(client.upload("x.jsonl", "fine-tune", good.getBytes(StandardCharsets.UTF_8)), 400, "purpose");
        assertError(client.upload("x.jsonl", "batch", new byte[] {(byte) 0xff, (byte) 0xfe, '\n'}), 400, "UTF-8");
        assertError(client.upload("x.jsonl", "batch", new byte[0]), 400, "no requests");
        assertError(client.upload("big.jsonl", "batch", (good + "\n").repeat(256 * 1024 / good.length() + 10).getBytes(StandardCharsets.UTF_8)),
                400, "exceeds the limit");
        assertError(client.send("POST", "/v1/files", "{}"), 400, "multipart");
        assertError(client.sendTyped("/v1/files", "multipart/form-data; boundary=zz", "garbage\r\n--zz\r\nnope".getBytes(StandardCharsets.UTF_8)),
                400, "");
        assertError(client.sendTyped("/v1/files", "multipart/form-data", new byte[] {1, 2, 3}), 400, "");
        assertError(client.upload(null, "batch", good.getBytes(StandardCharsets.UTF_8)), 400, "Missing the multipart field 'file'");
        assertError(client.upload(null, "batch", (good + "\n").repeat(100).getBytes(StandardCharsets.UTF_8)), 400, "");

        String fileId = client.uploadOk(List.of(good));
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":\"file-nope\",\"endpoint\":\"/v1/completions\","
                + "\"completion_window\":\"24h\"}"), 400, "No file");
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/embeddings\","
                + "\"completion_window\":\"24h\"}"), 400, "endpoint");
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"}"), 400, "Line 1");
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/completions\","
                + "\"completion_window\":\"1h\"}"), 400, "completion_window");
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":\"" + fileId + "\""), 400, "not valid JSON");
        assertError(client.send("POST", "/v1/batches", "[1]"), 400, "object");
        assertError(client.send("POST", "/v1/batches", "{\"input_file_id\":7}"), 400, "input_file_id");
        assertError(client.send("GET", "/v1/batches/batch_nope", null), 404, "No such batch");
        assertError(client.send("POST", "/v1/batches/batch_nope/cancel", null), 404, "No such batch");
        assertError(client.send("GET", "/v1/files/file-nope/content", null), 404, "No such file");
        assertError(client.send("GET", "/v1/files/..%2F..%2Fetc/content", null), 404, "No such file");
        assertError(client.send("GET", "/v1/batches?limit=0", null), 400, "limit");
        assertError(client.send("GET", "/v1/batches?after=batch_nope", null), 400, "after");
        assertError(client.send("PUT", "/v1/batches", "{}"), 405, "not allowed");
        assertError(client.send("GET", "/v1/batches/x/y/z", null), 404, "No route");
    }

    private static void assertError(java.net.http.HttpResponse<String> r, int status, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode error = BatchClient.JSON.readTree(r.body()).get("error");
        assertThat(error.get("message").asString()).contains(messagePart);
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
    }
}
