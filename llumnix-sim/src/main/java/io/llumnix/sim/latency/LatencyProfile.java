package io.llumnix.sim.latency;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.EngineConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one engine step of one model on one device costs, and the KV geometry of an instance: the calibration that
 * makes a simulated instance behave like a real one. Step cost (all in milliseconds):
 *
 * <pre>
 *   prefill(P tokens)         = max(prefillFloor, prefillPerToken · P)
 *   decode(B seqs, C context) = decodeBase + decodePerSequence · B + decodePerContextToken · C
 *   mixed step                = prefill(P) + decodePerSequence · B + decodePerContextToken · C
 * </pre>
 *
 * A mixed step pays the fixed cost once: the prefill's weight pass already covers what {@code decodeBase} stands
 * for. Profiles are small JSON files with snake_case keys ({@code llama-7b-a10.json} on the class path is the
 * paper's); {@link LatencyFitter} writes them from measurements.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name profile name
 * @param description free text: model, device, provenance
 * @param prefillMsPerToken prefill cost per prompt token
 * @param prefillFloorMs least cost of any step that prefills
 * @param decodeBaseMs fixed cost of a decode-only step (c0)
 * @param decodeMsPerSequence cost per decoding sequence (c1)
 * @param decodeMsPerContextToken cost per token of context attended by decodes (c2)
 * @param blockTokens tokens per KV block
 * @param blockBytes bytes of one KV block across all layers (what migration moves)
 * @param blocksPerInstance KV blocks one instance holds
 * @param maxBatchedTokens tokens one step computes at most
 * @param maxNumSeqs sequences in a running batch at most
 * @param maxSeqLen context window in tokens (at most {@code blocksPerInstance · blockTokens})
 * @param migrationBandwidthBytesPerSecond KV transfer bandwidth between instances
 */
public record LatencyProfile(
        String name,
        String description,
        double prefillMsPerToken,
        double prefillFloorMs,
        double decodeBaseMs,
        double decodeMsPerSequence,
        double decodeMsPerContextToken,
        int blockTokens,
        long blockBytes,
        int blocksPerInstance,
        int maxBatchedTokens,
        int maxNumSeqs,
        int maxSeqLen,
        double migrationBandwidthBytesPerSecond) {

    /** Class-path resource of the paper's LLaMA-7B on one A10. */
    public static final String LLAMA_7B_A10 = "llama-7b-a10.json";

    private static final JsonMapper JSON = JsonMapper.shared();

    private static final List<String> KEYS = List.of(
            "name", "description", "prefill_ms_per_token", "prefill_floor_ms", "decode_base_ms", "decode_ms_per_sequence",
            "decode_ms_per_context_token", "block_tokens", "block_bytes", "blocks_per_instance", "max_batched_tokens",
            "max_num_seqs", "max_seq_len", "migration_bandwidth_bytes_per_second");

    public LatencyProfile {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        nonNegative("prefill_ms_per_token", prefillMsPerToken);
        nonNegative("prefill_floor_ms", prefillFloorMs);
        nonNegative("decode_base_ms", decodeBaseMs);
        nonNegative("decode_ms_per_sequence", decodeMsPerSequence);
        nonNegative("decode_ms_per_context_token", decodeMsPerContextToken);
        positive("block_tokens", blockTokens);
        positive("block_bytes", blockBytes);
        positive("blocks_per_instance", blocksPerInstance);
        positive("max_batched_tokens", maxBatchedTokens);
        positive("max_num_seqs", maxNumSeqs);
        positive("max_seq_len", maxSeqLen);
        if (!(migrationBandwidthBytesPerSecond > 0) || Double.isInfinite(migrationBandwidthBytesPerSecond)) {
            throw new IllegalArgumentException("migration_bandwidth_bytes_per_second must be positive, got " + migrationBandwidthBytesPerSecond);
        }
        if ((long) blocksPerInstance * blockTokens < maxSeqLen) {
            throw new IllegalArgumentException("max_seq_len " + maxSeqLen + " exceeds the KV cache of " + blocksPerInstance
                    + " blocks of " + blockTokens + " tokens");
        }
    }

    /** The paper's LLaMA-7B on one A10 (shipped as {@value #LLAMA_7B_A10}). */
    public static LatencyProfile llama7bA10() {
        return fromResource(LLAMA_7B_A10);
    }

    /** Loads a profile shipped in this package's resources. */
    public static LatencyProfile fromResource(String resource) {
        try (InputStream in = LatencyProfile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no latency profile resource " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "resource " + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read latency profile resource " + resource, e);
        }
    }

    /** Loads a profile file; failures name the file and the offending key. */
    public static LatencyProfile load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("latency profile not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read latency profile " + file, e);
        }
    }

    /** Parses profile JSON; {@code source} names it in errors. Unknown and missing keys are rejected. */
    public static LatencyProfile parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": a latency profile must be a JSON object");
        }
        Set<String> unknown = new LinkedHashSet<>(root.propertyNames());
        KEYS.forEach(unknown::remove);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(source + ": unknown keys " + unknown + "; valid keys: " + KEYS);
        }
        try {
            return new LatencyProfile(
                    string(root, "name", source),
                    root.has("description") ? string(root, "description", source) : "",
                    number(root, "prefill_ms_per_token", source),
                    number(root, "prefill_floor_ms", source),
                    number(root, "decode_base_ms", source),
                    number(root, "decode_ms_per_sequence", source),
                    number(root, "decode_ms_per_context_token", source),
                    Math.toIntExact(integer(root, "block_tokens", source)),
                    integer(root, "block_bytes", source),
                    Math.toIntExact(integer(root, "blocks_per_instance", source)),
                    Math.toIntExact(integer(root, "max_batched_tokens", source)),
                    Math.toIntExact(integer(root, "max_num_seqs", source)),
                    Math.toIntExact(integer(root, "max_seq_len", source)),
                    number(root, "migration_bandwidth_bytes_per_second", source));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(source + ": an integer key is out of range", e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** This profile as pretty-printed JSON in the file format. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("description", description);
        o.put("prefill_ms_per_token", prefillMsPerToken);
        o.put("prefill_floor_ms", prefillFloorMs);
        o.put("decode_base_ms", decodeBaseMs);
        o.put("decode_ms_per_sequence", decodeMsPerSequence);
        o.put("decode_ms_per_context_token", decodeMsPerContextToken);
        o.put("block_tokens", blockTokens);
        o.put("block_bytes", blockBytes);
        o.put("blocks_per_instance", blocksPerInstance);
        o.put("max_batched_tokens", maxBatchedTokens);
        o.put("max_num_seqs", maxNumSeqs);
        o.put("max_seq_len", maxSeqLen);
        o.put("migration_bandwidth_bytes_per_second", migrationBandwidthBytesPerSecond);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    }

    /** Writes this profile to {@code file} (parent directories created). */
    public void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, toJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write latency profile " + file, e);
        }
    }

    /** Cost of prefilling {@code tokens} tokens alone; 0 for none. */
    public long prefillNanos(int tokens) {
        return tokens <= 0 ? 0 : toNanos(Math.max(prefillFloorMs, prefillMsPerToken * tokens));
    }

    /** Cost of a decode-only step of {@code batch} sequences attending {@code contextTokens} tokens in all; 0 for none. */
    public long decodeNanos(int batch, long contextTokens) {
        return batch <= 0 ? 0 : toNanos(decodeBaseMs + decodeMsPerSequence * batch + decodeMsPerContextToken * contextTokens);
    }

    /** Cost of a step that prefills {@code prefillTokens} tokens and decodes {@code decodes} sequences. */
    public long stepNanos(int prefillTokens, int decodes, long decodeContextTokens) {
        if (prefillTokens <= 0) {
            return decodeNanos(decodes, decodeContextTokens);
        }
        double ms = Math.max(prefillFloorMs, prefillMsPerToken * prefillTokens);
        if (decodes > 0) {
            ms += decodeMsPerSequence * decodes + decodeMsPerContextToken * decodeContextTokens;
        }
        return toNanos(ms);
    }

    /** Time to copy {@code blocks} KV blocks between instances at the migration bandwidth. */
    public long migrationNanos(int blocks) {
        return Math.round(blocks * (double) blockBytes / migrationBandwidthBytesPerSecond * 1e9);
    }

    /** Tokens of KV one instance holds. */
    public long kvCapacityTokens() {
        return (long) blocksPerInstance * blockTokens;
    }

    /** An engine configuration with this profile's block geometry and batch limits. */
    public EngineConfig engineConfig(boolean enablePrefixCaching, long seed) {
        return new EngineConfig(blockTokens, blocksPerInstance, maxBatchedTokens, maxNumSeqs, maxSeqLen, enablePrefixCaching, seed);
    }

    /** The same profile under another name and description (e.g. after fitting). */
    public LatencyProfile withName(String newName, String newDescription) {
        return new LatencyProfile(newName, newDescription, prefillMsPerToken, prefillFloorMs, decodeBaseMs, decodeMsPerSequence,
                decodeMsPerContextToken, blockTokens, blockBytes, blocksPerInstance, maxBatchedTokens, maxNumSeqs, maxSeqLen,
                migrationBandwidthBytesPerSecond);
    }

    private static long toNanos(double ms) {
        return Math.round(ms * 1e6);
    }

    private static String string(JsonNode root, String key, String source) {
        JsonNode v = root.get(key);
        if (v == null || !v.isString()) {
            throw new IllegalArgumentException(source + ": key '" + key + "' must be a string" + (v == null ? " (missing)" : ", got " + v));
        }
        return v.stringValue();
    }

    private static double number(JsonNode root, String key, String source) {
        JsonNode v = root.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(source + ": key '" + key + "' must be a number" + (v == null ? " (missing)" : ", got " + v));
        }
        return v.doubleValue();
    }

    private static long integer(JsonNode root, String key, String source) {
        JsonNode v = root.get(key);
        if (v != null && v.isNumber() && !v.isIntegralNumber() && v.doubleValue() == Math.rint(v.doubleValue())
                && Math.abs(v.doubleValue()) < 1e15) {
            return (long) v.doubleValue(); // 8.388608e6 is an integer too
        }
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(source + ": key '" + key + "' must be an integer" + (v == null ? " (missing)" : ", got " + v));
        }
        return v.longValue();
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be a non-negative number, got " + v);
        }
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
    }
}
