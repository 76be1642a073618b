package io.llumnix.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for the Files and Batches API in tests: multipart uploads, JSON calls, polling. */
final class BatchClient implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final String baseUrl;
    private final String bearer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    BatchClient(String baseUrl) {
        this(baseUrl, "");
    }

    /** A client that sends {@code Authorization: Bearer <bearer>} (none if empty). */
    BatchClient(String baseUrl, String bearer) {
        this.baseUrl = baseUrl;
        this.bearer = bearer;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        return bearer.isEmpty() ? b : b.header("Authorization", "Bearer " + bearer);
    }

    HttpResponse<String> upload(@org.jspecify.annotations.Nullable String filename, String purpose, byte[] content) throws IOException, InterruptedException {
        String boundary = "----llumnix" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        // Without a filename the part is a plain form field, not a file: the gateway must refuse it cleanly.
        String disposition = filename == null ? "" : "; filename=\"" + filename + "\"";
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"" + disposition
                + "\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(request("/v1/files")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Uploads a valid batch file; returns its id. */
    String uploadOk(List<String> lines) throws IOException, InterruptedException {
        HttpResponse<String> r = upload("input.jsonl", "batch", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new AssertionError("upload answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asString();
    }

    HttpResponse<String> send(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path);
        b = jsonBody == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> sendTyped(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ok(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpResponse<String> r = send(method, path, jsonBody);
        if (r.statusCode() != 200) {
            throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    String createBatch(String inputFileId, String endpoint) throws IOException, InterruptedException {
        return ok("POST", "/v1/batches", "{\"input_file_id\":\"" + inputFileId + "\",\"endpoint\":\"" + endpoint
                + "\",\"completion_window\":\"24h\"}").get("id").asString();
    }

    /** Polls the batch until {@code done} holds; fails after {@code timeout}. */
    JsonNode await(String batchId, Predicate<JsonNode> done, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode b = ok("GET", "/v1/batches/" + batchId, null);
            if (done.test(b)) {
                return b;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("batch did not get there in " + timeout + ": " + b);
            }
            Thread.sleep(20);
        }
    }

    static boolean terminal(JsonNode batch) {
        return List.of("completed", "failed", "expired", "cancelled").contains(batch.get("status").asString());
    }

    /** The lines of a file's content, parsed. */
    List<JsonNode> content(String fileId) throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/v1/files/" + fileId + "/content", null);
        if (r.statusCode() != 200) {
            throw new AssertionError("content of " + fileId + " answered " + r.statusCode() + ": " + r.body());
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Override
    public void close() {
        http.close();
    }
}
