package io.llumnix.engine.model;

import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A synthetic Llama model: a shape plus the seed of its random weights, parsed from a model argument such as
 * {@code synthetic:dim=1024,layers=16,heads=16,kvheads=8,hidden=2816,vocab=32000,seq=8192,seed=1}. Every key is
 * optional: {@code dim=256, layers=4, heads=dim/64 (or 1), kvheads=heads, hidden=8·dim/3 rounded up to 32,
 * vocab=32000, seq=2048, seed=0}. Synthetic models let benchmarks and tests run any shape without a checkpoint.
 *
 * @param seed seeds the weights; the same spec always yields the same model
 */
public record SyntheticSpec(int dim, int hiddenDim, int numLayers, int numHeads, int numKvHeads, int vocabSize, int maxSeqLen, long seed) {

    /** The model-argument prefix that selects a synthetic model. */
    public static final String PREFIX = "synthetic";

    /** Accepted keys, in the order the error message lists them. */
    public static final List<String> KEYS = List.of("dim", "layers", "heads", "kvheads", "hidden", "vocab", "seq", "seed");

    public SyntheticSpec {
        shape(dim, hiddenDim, numLayers, numHeads, numKvHeads, vocabSize, maxSeqLen);
    }

    /** Whether a model argument names a synthetic model ({@code synthetic} or {@code synthetic:…}). */
    public static boolean matches(String modelArg) {
        return modelArg.equals(PREFIX) || modelArg.startsWith(PREFIX + ":");
    }

    /**
     * Parses {@code synthetic[:key=value,…]}.
     *
     * @throws IllegalArgumentException naming the offending key on an unknown or repeated key or a bad value
     */
    public static SyntheticSpec parse(String modelArg) {
        if (!matches(modelArg)) {
            throw new IllegalArgumentException("not a synthetic model spec (expected 'synthetic' or 'synthetic:key=value,...'): '" + modelArg + "'");
        }
        Integer dim = null, layers = null, heads = null, kvHeads = null, hidden = null, vocab = null, seq = null;
        long seed = 0;
        String body = modelArg.length() > PREFIX.length() ? modelArg.substring(PREFIX.length() + 1) : "";
        Set<String> seen = new HashSet<>();
        if (!body.isBlank()) {
            for (String entry : body.split(",", -1)) {
                String item = entry.strip();
                int eq = item.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("synthetic model spec entry '" + item + "' is not key=value in '" + modelArg
                            + "'; valid keys: " + String.join(", ", KEYS));
                }
                String key = item.substring(0, eq).strip();
                String value = item.substring(eq + 1).strip();
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown synthetic model key '" + key + "' in '" + modelArg + "'; valid keys: "
                            + String.join(", ", KEYS));
                }
                if (!seen.add(key)) {
                    throw new IllegalArgumentException("synthetic model key '" + key + "' given twice in '" + modelArg + "'");
                }
                switch (key) {
                    case "dim" -> dim = positive(key, value);
                    case "layers" -> layers = positive(key, value);
                    case "heads" -> heads = positive(key, value);
                    case "kvheads" -> kvHeads = positive(key, value);
                    case "hidden" -> hidden = positive(key, value);
                    case "vocab" -> vocab = positive(key, value);
                    case "seq" -> seq = positive(key, value);
                    case "seed" -> seed = parseSeed(value);
                    default -> throw new IllegalStateException("unhandled key " + key);
                }
            }
        }
        int d = dim != null ? dim : 256;
        int h = heads != null ? heads : (d % 64 == 0 ? d / 64 : 1);
        int kv = kvHeads != null ? kvHeads : h;
        int hid = hidden != null ? hidden : (int) Math.min(Integer.MAX_VALUE, ((8L * d / 3 + 31) / 32) * 32);
        return new SyntheticSpec(d, hid, layers != null ? layers : 4, h, kv, vocab != null ? vocab : 32000, seq != null ? seq : 2048, seed);
    }

    /** The model's shape. */
    public ModelShape shape() {
        return new ModelShape(dim, hiddenDim, numLayers, numHeads, numKvHeads, vocabSize, maxSeqLen);
    }

    private static ModelShape shape(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seq) {
        check(dim > 0 && dim <= 65536, "dim", "must be in 1..65536, got " + dim);
        check(hidden > 0 && hidden <= 262144, "hidden", "must be in 1..262144, got " + hidden);
        check(layers > 0 && layers <= 1024, "layers", "must be in 1..1024, got " + layers);
        check(heads > 0 && dim % heads == 0, "heads", "(" + heads + ") must divide dim (" + dim + ")");
        check(kvHeads > 0 && heads % kvHeads == 0, "kvheads", "(" + kvHeads + ") must divide heads (" + heads + ")");
        check((dim / heads) % 2 == 0, "heads", "must leave an even head size for RoPE pairs, got dim/heads = " + dim / heads);
        check(vocab >= SyntheticTokenizer.MIN_VOCAB_SIZE && vocab <= (1 << 24), "vocab",
                "must be in " + SyntheticTokenizer.MIN_VOCAB_SIZE + ".." + (1 << 24) + " (the byte-level tokenizer needs 259 ids), got " + vocab);
        check(seq > 0 && seq <= (1 << 24), "seq", "must be in 1.." + (1 << 24) + ", got " + seq);
        check((long) vocab * dim < Integer.MAX_VALUE - 16, "vocab", "× dim exceeds the Java array limit");
        check(2L * hidden * dim < Integer.MAX_VALUE - 16, "hidden", "× dim exceeds the Java array limit");
        return new ModelShape(dim, hidden, layers, heads, kvHeads, vocab, seq);
    }

    private static int positive(String key, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("synthetic model key '" + key + "' must be a positive integer, got '" + value + "'");
    }

    private static long parseSeed(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("synthetic model key 'seed' must be an integer, got '" + value + "'");
        }
    }

    private static void check(boolean ok, String key, String message) {
        if (!ok) {
            throw new IllegalArgumentException("synthetic model key '" + key + "' " + message);
        }
    }

    /** The spec back in argument form, every key explicit. */
    @Override
    public String toString() {
        return PREFIX + ":dim=" + dim + ",layers=" + numLayers + ",heads=" + numHeads + ",kvheads=" + numKvHeads + ",hidden=" + hiddenDim
                + ",vocab=" + vocabSize + ",seq=" + maxSeqLen + ",seed=" + seed;
    }
}
