package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A batch as its metadata file holds it: the OpenAI batch object plus the owner and, while finalizing or cancelling,
 * the terminal state being reached and the ids its output files will get (chosen before they are written, so that
 * finishing again after a crash writes the same files). Immutable; every change is a new record written atomically.
 *
 * @param owner the API key's name, empty when the gateway is open
 * @param ending the terminal state finalization leads to; null before finalization starts
 * @param reachedAt when (epoch seconds) each state was entered
 * @param counts request counts as last persisted (live counts come from the journal while running)
 */
record BatchRecord(
        String id,
        String owner,
        String endpoint,
        String inputFileId,
        String completionWindow,
        Map<String, String> metadata,
        BatchStatus status,
        @Nullable BatchStatus ending,
        long createdAt,
        long expiresAt,
        Map<BatchStatus, Long> reachedAt,
        @Nullable String outputFileId,
        @Nullable String errorFileId,
        RequestCounts counts,
        List<BatchError> errors) {

    /** {@code {"total", "completed", "failed"}}. */
    record RequestCounts(int total, int completed, int failed) {}

    /** One entry of the batch object's {@code errors.data}. */
    record BatchError(String code, String message, @Nullable String param, @Nullable Integer line) {
        BatchError {
            requireNonNull(code, "code is null");
            requireNonNull(message, "message is null");
        }
    }

    BatchRecord {
        requireNonNull(id, "id is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(inputFileId, "inputFileId is null");
        requireNonNull(completionWindow, "completionWindow is null");
        requireNonNull(status, "status is null");
        requireNonNull(counts, "counts is null");
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        reachedAt = reachedAt.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new EnumMap<>(reachedAt));
        errors = List.copyOf(errors);
    }

    /** The same batch in {@code next}, entered at {@code now}. */
    BatchRecord moveTo(BatchStatus next, long now) {
        Map<BatchStatus, Long> reached = new EnumMap<>(BatchStatus.class);
        reached.putAll(reachedAt);
        reached.putIfAbsent(next, now);
        return new BatchRecord(id, owner, endpoint, inputFileId, completionWindow, metadata, next, ending, createdAt, expiresAt, reached,
                outputFileId, errorFileId, counts, errors);
    }

    /** Finalization planned: the terminal state and the ids of the output files (null for a file that will be empty). */
    BatchRecord planEnding(BatchStatus terminal, @Nullable String outputId, @Nullable String errorId, RequestCounts c) {
        return new BatchRecord(id, owner, endpoint, inputFileId, completionWindow, metadata, status, terminal, createdAt, expiresAt,
                reachedAt, outputId, errorId, c, errors);
    }

    BatchRecord withCounts(RequestCounts c) {
        return new BatchRecord(id, owner, endpoint, inputFileId, completionWindow, metadata, status, ending, createdAt, expiresAt,
                reachedAt, outputFileId, errorFileId, c, errors);
    }

    BatchRecord failed(List<BatchError> why, long now) {
        return new BatchRecord(id, owner, endpoint, inputFileId, completionWindow, metadata, status, BatchStatus.FAILED, createdAt,
                expiresAt, reachedAt, null, null, counts, why).moveTo(BatchStatus.FAILED, now);
    }

    /** The OpenAI batch object. Output file ids show once the batch is done and the files exist. */
    ObjectNode toApiJson(JsonMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("id", id);
        o.put("object", "batch");
        o.put("endpoint", endpoint);
        if (errors.isEmpty()) {
            o.putNull("errors");
        } else {
            ObjectNode e = o.putObject("errors");
            e.put("object", "list");
            ArrayNode data = e.putArray("data");
            for (BatchError err : errors) {
                ObjectNode d = data.addObject();
                d.put("code", err.code());
                d.put("message", err.message());
                d.put("param", err.param());
                if (err.line() == null) {
                    d.putNull("line");
                } else {
                    d.put("line", err.line().intValue());
                }
            }
        }
        o.put("input_file_id", inputFileId);
        o.put("completion_window", completionWindow);
        o.put("status", status.wireName());
        o.put("output_file_id", status.terminal() ? outputFileId : null);
        o.put("error_file_id", status.terminal() ? errorFileId : null);
        o.put("created_at", createdAt);
        o.put("expires_at", expiresAt);
        for (BatchStatus s : BatchStatus.values()) {
            s.timestampField().ifPresent(field -> {
                Long at = reachedAt.get(s);
                if (at == null) {
                    o.putNull(field);
                } else {
                    o.put(field, at.longValue());
                }
            });
        }
        ObjectNode c = o.putObject("request_counts");
        c.put("total", counts.total());
        c.put("completed", counts.completed());
        c.put("failed", counts.failed());
        if (metadata.isEmpty()) {
            o.putNull("metadata");
        } else {
            ObjectNode m = o.putObject("metadata");
            metadata.forEach(m::put);
        }
        return o;
    }

    /** What the metadata file holds. */
    ObjectNode toJson(JsonMapper json) {
        ObjectNode o = toApiJson(json);
        o.put("output_file_id", outputFileId);
        o.put("error_file_id", errorFileId);
        o.put("_owner", owner);
        o.put("_ending", ending == null ? null : ending.wireName());
        return o;
    }

    static BatchRecord fromJson(JsonNode n) {
        Map<String, String> metadata = new LinkedHashMap<>();
        n.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asString()));
        Map<BatchStatus, Long> reached = new EnumMap<>(BatchStatus.class);
        for (BatchStatus s : BatchStatus.values()) {
            s.timestampField().ifPresent(field -> {
                if (n.path(field).isNumber()) {
                    reached.put(s, n.get(field).asLong());
                }
            });
        }
        List<BatchError> errors = new ArrayList<>();
        for (JsonNode e : n.path("errors").path("data")) {
            errors.add(new BatchError(e.path("code").asString(""), e.path("message").asString(""), text(e.path("param")),
                    e.path("line").isInt() ? e.get("line").asInt() : null));
        }
        JsonNode c = n.path("request_counts");
        String ending = text(n.path("_ending"));
        return new BatchRecord(n.get("id").asString(), n.path("_owner").asString(""), n.get("endpoint").asString(),
                n.get("input_file_id").asString(), n.get("completion_window").asString(), metadata, BatchStatus.fromWire(n.get("status").asString()),
                ending == null ? null : BatchStatus.fromWire(ending), n.get("created_at").asLong(), n.path("expires_at").asLong(), reached,
                text(n.path("output_file_id")), text(n.path("error_file_id")),
                new RequestCounts(c.path("total").asInt(), c.path("completed").asInt(), c.path("failed").asInt()), errors);
    }

    private static @Nullable String text(JsonNode n) {
        return n.isString() ? n.asString() : null;
    }
}
