package io.llumnix.gateway.tokenize;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * The {@code "model": {"type": "BPE"}} of a {@code tokenizer.json}: a vocabulary and a ranked merge list. A word is
 * cut into characters (each a vocabulary token; otherwise its UTF-8 bytes as {@code <0xNN>} tokens when
 * {@code byte_fallback} is set, otherwise the unknown token, fused when {@code fuse_unk} is set), then the adjacent
 * pair of lowest merge rank is merged, leftmost first, until no listed pair remains — the algorithm of Hugging Face
 * {@code tokenizers}' {@code Word::merge_all}.
 *
 * <p>Thread-safe: immutable apart from a bounded cache of encoded words.
 */
final class BpeModel {

    private static final int CACHE_CAPACITY = 10_000;
    /**
     * Longer words are not cached (as in Hugging Face): without a pre-tokenizer (Llama 2) a whole prompt is one word,
     * and ten thousand cached prompts would be a memory leak.
     */
    private static final int CACHED_WORD_MAX_CHARS = 256;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final MergeTable merges;
    private final Optional<Integer> unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteFallbackIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeModel(Map<String, Integer> vocab, MergeTable merges, Optional<Integer> unkId, boolean byteFallback, boolean fuseUnk,
            boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.tokens = new String[size];
        vocab.forEach((t, id) -> tokens[id] = t);
        this.byteFallbackIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteFallbackIds[b] = vocab.getOrDefault(byteToken(b), -1);
        }
    }

    /** Reads the {@code model} node. */
    static BpeModel parse(JsonNode model) {
        String type = model.path("type").asString("BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("unsupported tokenizer model type '" + type + "'; supported: BPE");
        }
        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
            throw new IllegalArgumentException("BPE dropout " + model.path("dropout") + " makes ids random; only dropout null is supported");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(affix).isNull() && !model.path(affix).isMissingNode() && !model.path(affix).asString("").isEmpty()) {
                throw new IllegalArgumentException("BPE " + affix + " " + model.path(affix) + " is not supported");
            }
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) {
            throw new IllegalArgumentException("BPE model has an empty vocab");
        }
        List<JsonNode> list = model.path("merges").valueStream().toList();
        MergeTable merges = new MergeTable(Math.max(16, list.size() * 2));
        for (int rank = 0; rank < list.size(); rank++) {
            JsonNode m = list.get(rank);
            String left;
            String right;
            if (m.isArray() && m.size() == 2) {
                left = m.get(0).asString();
                right = m.get(1).asString();
            } else if (m.isString() && m.stringValue().indexOf(' ') > 0) {
                // "a b": token strings never contain a space (byte level spells it Ġ, SentencePiece ▁).
                String s = m.stringValue();
                int space = s.indexOf(' ');
                left = s.substring(0, space);
                right = s.substring(space + 1);
            } else {
                throw new IllegalArgumentException("merge " + rank + " is neither \"a b\" nor [\"a\", \"b\"]: " + m);
            }
            Integer l = vocab.get(left);
            Integer r = vocab.get(right);
            Integer merged = vocab.get(left + right);
            if (l == null || r == null || merged == null) {
                throw new IllegalArgumentException("merge " + rank + " (" + left + ", " + right + ") names a token outside the vocab");
            }
            merges.putIfAbsent(l, r, rank, merged);
        }
        Optional<Integer> unk = Optional.empty();
        String unkToken = model.path("unk_token").asString("");
        if (!unkToken.isEmpty()) {
            Integer id = vocab.get(unkToken);
            if (id == null) {
                throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the vocab");
            }
            unk = Optional.of(id);
        }
        return new BpeModel(vocab, merges, unk, model.path("byte_fallback").asBoolean(false), model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false));
    }

    /** Token id of {@code token}, if in the vocab. */
    Optional<Integer> id(String token) {
        return Optional.ofNullable(vocab.get(token));
    }

    /** The vocabulary string of {@code id}, or null outside the vocab. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    int size() {
        return tokens.length;
    }

    /** Appends the ids of one pre-tokenized word. */
    void encodeWord(String word, IntBuffer out) {
        if (word.length() > CACHED_WORD_MAX_CHARS) {
            out.addAll(encodeUncached(word));
            return;
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = encodeUncached(word);
            if (cache.size() >= CACHE_CAPACITY) {
                cache.clear(); // crude but bounded; words repeat within a prompt far more than across
            }
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private int[] encodeUncached(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        IntBuffer symbols = new IntBuffer(word.length() + 4);
        int pendingUnk = -1; // the unknown token waiting to be emitted (fuse_unk grows it)
        for (int i = 0; i < word.length(); ) {
            int end = i + Character.charCount(word.codePointAt(i));
            String ch = word.substring(i, end);
            Integer id = vocab.get(ch);
            if (id != null) {
                if (pendingUnk >= 0) {
                    symbols.add(pendingUnk);
                    pendingUnk = -1;
                }
                symbols.add(id);
            } else if (byteFallback && allBytesKnown(ch)) {
                for (byte b : ch.getBytes(UTF_8)) {
                    symbols.add(byteFallbackIds[b & 0xFF]);
                }
            } else if (unkId.isPresent()) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    symbols.add(pendingUnk);
                }
                pendingUnk = unkId.get();
            }
            i = end;
        }
        if (pendingUnk >= 0) {
            symbols.add(pendingUnk);
        }
        return mergeAll(symbols.toArray());
    }

    private boolean allBytesKnown(String ch) {
        for (byte b : ch.getBytes(UTF_8)) {
            if (byteFallbackIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    /** A candidate merge at {@code pos} (the left symbol), ordered by rank then position. */
    private record Candidate(int rank, int pos, int mergedId) {}

    private int[] mergeAll(int[] tok) {
        int n = tok.length;
        if (n < 2) {
            return tok;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.rank() != b.rank() ? Integer.compare(a.rank(), b.rank())
                : Integer.compare(a.pos(), b.pos()));
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, i, tok[i], tok[i + 1]);
        }
        int remaining = n;
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.pos();
            int r = next[l];
            // Stale when the left symbol merged away, has no right neighbour, or the pair changed since.
            if (!alive[l] || r < 0 || merges.mergedId(tok[l], tok[r]) != c.mergedId()) {
                continue;
            }
            tok[l] = c.mergedId();
            alive[r] = false;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            remaining--;
            if (prev[l] >= 0) {
                offer(queue, prev[l], tok[prev[l]], tok[l]);
            }
            if (next[l] >= 0) {
                offer(queue, l, tok[l], tok[next[l]]);
            }
        }
        int[] out = new int[remaining];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = tok[i];
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> queue, int pos, int left, int right) {
        long entry = merges.get(left, right);
        if (entry >= 0) {
            queue.add(new Candidate((int) (entry >>> 32), pos, (int) entry));
        }
    }

    /** {@code <0xNN>}, the byte-fallback token of byte {@code b}. */
    static String byteToken(int b) {
        return String.format("<0x%02X>", b);
    }

    /** Open-addressing map from a pair of token ids to (rank, merged id), without boxing on the hot path. */
    static final class MergeTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        MergeTable(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected) * 2);
            keys = new long[cap];
            values = new long[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        /** Keeps the first (lowest-rank) merge of a pair, as Hugging Face does for duplicates. */
        void putIfAbsent(int left, int right, int rank, int mergedId) {
            long k = key(left, right);
            int i = slot(k);
            while (keys[i] != -1L) {
                if (keys[i] == k) {
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
        }

        /** (rank << 32 | merged id), or -1 when the pair does not merge. */
        long get(int left, int right) {
            long k = key(left, right);
            for (int i = slot(k); keys[i] != -1L; i = (i + 1) & mask) {
                if (keys[i] == k) {
                    return values[i];
                }
            }
            return -1L;
        }

        int mergedId(int left, int right) {
            long v = get(left, right);
            return v < 0 ? -1 : (int) v;
        }
    }

    /** A growable int array. */
    static final class IntBuffer {
        private int[] data;
        private int size;

        IntBuffer(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size * 2, size + vs.length));
            }
            System.arraycopy(vs, 0, data, size, vs.length);
            size += vs.length;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    /** For diagnostics: the merge list size. */
    @Override
    public String toString() {
        return "BpeModel[vocab=" + vocab.size() + ", byteFallback=" + byteFallback + "]";
    }
}
