package io.llumnix.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A raw SSE reader for tests: posts a body and collects the text of every chunk, reporting progress per chunk. */
final class SseClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What a stream delivered. */
    record Result(int status, String text, List<JsonNode> chunks, boolean done, String finishReason) {}

    private SseClient() {}

    static Result stream(HttpClient http, URI url, String body, IntConsumer onChunk) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        StringBuilder text = new StringBuilder();
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        String finish = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            if (resp.statusCode() != 200) {
                StringBuilder err = new StringBuilder();
                in.lines().forEach(err::append);
                return new Result(resp.statusCode(), err.toString(), chunks, false, null);
            }
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode chunk = JSON.readTree(data);
                chunks.add(chunk);
                for (JsonNode c : chunk.path("choices")) {
                    text.append(c.has("delta") ? c.path("delta").path("content").asString("") : c.path("text").asString(""));
                    if (!c.path("finish_reason").isNull() && !c.path("finish_reason").isMissingNode()) {
                        finish = c.path("finish_reason").asString();
                    }
                }
                onChunk.accept(chunks.size());
            }
        } catch (IOException e) {
            return new Result(-1, text.toString(), chunks, false, finish);
        }
        return new Result(resp.statusCode(), text.toString(), chunks, done, finish);
    }
}
