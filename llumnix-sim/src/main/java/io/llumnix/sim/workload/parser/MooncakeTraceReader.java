package io.llumnix.sim.workload.parser;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.PrefixBlocks;
import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a Mooncake (FAST '25) JSON-lines trace: one object per line with {@code timestamp} (milliseconds from trace
 * start), {@code input_length}, {@code output_length} and {@code hash_ids}, the prefix hashes of the prompt's
 * {@value #BLOCK_TOKENS}-token blocks. The hashes become the requests' {@link PrefixBlocks}, so a prefix-caching
 * instance can reuse them. Timestamps are kept as they are (not shifted to the first row).
 *
 * <p>Stateless and thread-safe.
 */
public final class MooncakeTraceReader {

    /** Tokens per hashed block in Mooncake's traces. */
    public static final int BLOCK_TOKENS = 512;

    private static final JsonMapper JSON = JsonMapper.shared();

    private MooncakeTraceReader() {}

    /** Reads {@code file}; fails with the file and line of the first malformed record. */
    public static Workload read(Path file) {
        requireNonNull(file, "file is null");
        List<TraceRequest> requests = new ArrayList<>();
        TraceLines.forEach(file, (line, number) -> requests.add(parse(requests.size(), line)));
        if (requests.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty trace file, expected JSON lines with timestamp, input_length, output_length");
        }
        return Workload.sortedByArrival(TraceFormat.baseName(file), requests);
    }

    private static TraceRequest parse(long id, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, got '" + abbreviate(line) + "'");
        }
        long timestampMs = integral(node, "timestamp", 0);
        int input = Math.toIntExact(integral(node, "input_length", 1));
        int output = Math.toIntExact(integral(node, "output_length", 1));
        JsonNode ids = node.get("hash_ids");
        PrefixBlocks prefix = PrefixBlocks.NONE;
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray()) {
                throw new IllegalArgumentException("hash_ids must be an array of integers");
            }
            List<Long> hashes = new ArrayList<>(ids.size());
            for (JsonNode h : ids.values()) {
                if (!h.isIntegralNumber() || !h.canConvertToLong()) {
                    throw new IllegalArgumentException("hash_ids must hold integers, got " + h);
                }
                hashes.add(h.longValue());
            }
            if (!hashes.isEmpty()) {
                prefix = new PrefixBlocks(BLOCK_TOKENS, hashes);
            }
        }
        return new TraceRequest(id, Math.multiplyExact(timestampMs, 1_000_000L), input, output, Priority.NORMAL, prefix);
    }

    private static long integral(JsonNode node, String field, long min) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer, got " + v);
        }
        long value = v.longValue();
        if (value < min) {
            throw new IllegalArgumentException("field '" + field + "' must be at least " + min + ", got " + value);
        }
        return value;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
