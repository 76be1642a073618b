package io.llumnix.gateway.batch;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and validates a batch input file: UTF-8 JSONL, one {@code {"custom_id", "method": "POST", "url", "body"}} per
 * line, {@code custom_id} unique, {@code url} one of {@link #ENDPOINTS}, {@code body} an object that does not ask to
 * stream. Blank lines are skipped. Any fault is a 400 naming the line. Stateless.
 */
final class BatchInput {

    /** The endpoints a batch may target. */
    static final Set<String> ENDPOINTS = Set.of("/v1/completions", "/v1/chat/completions");

    private static final int MAX_CUSTOM_ID_CHARS = 512;

    private BatchInput() {}

    /** Reads and validates the whole file into memory (small files; uploads validate with {@link #scan}). */
    static List<BatchLine> read(Path file, int maxLines, JsonMapper json) throws IOException {
        List<BatchLine> lines = new ArrayList<>();
        scan(file, maxLines, json, lines::add);
        return lines;
    }

    /**
     * Streams the file's requests, validated, in order to {@code sink} until it returns false; returns how many it
     * handed over. Only the custom_ids are held in memory (to check that they are unique), never the bodies.
     */
    static int scan(Path file, int maxLines, JsonMapper json, Predicate<BatchLine> sink) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        Map<String, Integer> seen = new HashMap<>();
        int count = 0;
        int lineNumber = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            String text;
            while ((text = in.readLine()) != null) {
                lineNumber++;
                if (text.isBlank()) {
                    continue;
                }
                if (count == maxLines) {
                    throw invalid(lineNumber, "the file holds more than " + maxLines + " requests");
                }
                BatchLine line = parse(count, lineNumber, text, json);
                Integer earlier = seen.putIfAbsent(line.customId(), lineNumber);
                if (earlier != null) {
                    throw invalid(lineNumber, "custom_id '" + truncate(line.customId()) + "' is also used on line " + earlier
                            + "; it must be unique within the file");
                }
                count++;
                if (!sink.test(line)) {
                    return count;
                }
            }
        } catch (CharacterCodingException e) {
            throw invalid(lineNumber + 1, "the file is not valid UTF-8");
        }
        if (count == 0) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "Invalid batch input file: it holds no requests", "file");
        }
        return count;
    }

    private static BatchLine parse(int index, int lineNumber, String text, JsonMapper json) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JacksonException e) {
            throw invalid(lineNumber, "not valid JSON: " + truncate(String.valueOf(e.getOriginalMessage())));
        }
        if (node == null || !node.isObject()) {
            throw invalid(lineNumber, "a request must be a JSON object {\"custom_id\", \"method\", \"url\", \"body\"}");
        }
        JsonNode customId = node.get("custom_id");
        if (customId == null || !customId.isString() || customId.asString().isEmpty()) {
            throw invalid(lineNumber, "custom_id must be a non-empty string");
        }
        if (customId.asString().length() > MAX_CUSTOM_ID_CHARS) {
            throw invalid(lineNumber, "custom_id is longer than " + MAX_CUSTOM_ID_CHARS + " characters");
        }
        JsonNode method = node.get("method");
        if (method == null || !"POST".equals(method.asString(""))) {
            throw invalid(lineNumber, "method must be \"POST\"");
        }
        JsonNode url = node.get("url");
        if (url == null || !url.isString() || !ENDPOINTS.contains(url.asString())) {
            throw invalid(lineNumber, "url must be one of " + ENDPOINTS.stream().sorted().toList());
        }
        JsonNode body = node.get("body");
        if (body == null || !body.isObject()) {
            throw invalid(lineNumber, "body must be a JSON object");
        }
        if (body.path("stream").asBoolean(false)) {
            throw invalid(lineNumber, "batch requests cannot stream: remove \"stream\": true");
        }
        return new BatchLine(index, lineNumber, customId.asString(), url.asString(), json.writeValueAsString(body));
    }

    private static LlumnixException invalid(int lineNumber, String message) {
        return new LlumnixException(ErrorCode.INVALID_REQUEST, "Invalid batch input file, line " + lineNumber + ": " + message, "file");
    }

    private static String truncate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
