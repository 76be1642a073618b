package io.llumnix.engine.tokenizer;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The llama2.c tokenizer ({@code tokenizer.bin}, {@code tok512.bin}): a sentencepiece BPE vocabulary exported as
 * {@code int32 max_token_length} followed, per token, by {@code float32 score, int32 length, bytes}
 * (little-endian). The file does not state its size; the model's vocabulary size does.
 *
 * <p>{@link #encode} produces exactly the ids of {@code run.c}'s {@code encode}: optional BOS, a dummy-prefix
 * space, one piece per UTF-8 code point (or its bytes as {@code <0xNN>} fallback tokens, id = byte + 3), then
 * repeated greedy merges of the adjacent pair whose concatenation is the highest-scoring vocabulary piece,
 * leftmost on ties. Where run.c rescans all pairs after each merge (quadratic), this keeps candidate pairs in a
 * priority queue ordered by (score, position), which picks the same pair at every step.
 *
 * <p>Immutable; thread-safe.
 */
public final class Llama2Tokenizer implements Tokenizer {

    private static final int BOS = 1;
    private static final int EOS = 2;
    private static final int BYTE_FALLBACK_OFFSET = 3;
    /** run.c starts its best score here, so no pair scoring at or below it ever merges. */
    private static final float NO_SCORE = -1e10f;

    private final String[] pieces;
    private final float[] scores;
    private final byte[][] decoded;
    private final byte[][] decodedAfterBos;
    private final Map<String, Integer> ids;

    private Llama2Tokenizer(String[] pieces, float[] scores) {
        this.pieces = pieces;
        this.scores = scores;
        this.ids = new HashMap<>(pieces.length * 2);
        for (int id = 0; id < pieces.length; id++) {
            ids.putIfAbsent(pieces[id], id); // duplicates: the lowest id wins
        }
        this.decoded = new byte[pieces.length][];
        this.decodedAfterBos = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            byte[] bytes = pieceBytes(pieces[id]);
            decoded[id] = bytes;
            decodedAfterBos[id] = bytes.length > 0 && bytes[0] == ' ' && !isByteFallback(pieces[id])
                    ? Arrays.copyOfRange(bytes, 1, bytes.length)
                    : bytes;
        }
    }

    /**
     * Loads a llama2.c tokenizer file whose vocabulary must have {@code vocabSize} tokens.
     *
     * @throws IllegalArgumentException if the file is missing, unreadable, truncated or of another size
     */
    public static Llama2Tokenizer load(Path path, int vocabSize) {
        requireNonNull(path, "path is null");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("tokenizer file not found: " + path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new IllegalArgumentException("not a llama2.c tokenizer (shorter than its header): " + path);
        }
        int maxTokenLength = buf.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > 1024) {
            throw new IllegalArgumentException("not a llama2.c tokenizer (max_token_length " + maxTokenLength + "): " + path);
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("tokenizer truncated in entry " + pieces.size() + ": " + path);
            }
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > buf.remaining()) {
                throw new IllegalArgumentException("tokenizer truncated or corrupt in entry " + pieces.size()
                        + " (length " + len + "): " + path);
            }
            byte[] piece = new byte[len];
            buf.get(piece);
            pieces.add(new String(piece, ISO_8859_1));
            scores.add(score);
        }
        if (pieces.size() != vocabSize) {
            throw new IllegalArgumentException("tokenizer " + path + " has " + pieces.size()
                    + " tokens but the model's vocabulary has " + vocabSize);
        }
        if (vocabSize < BYTE_FALLBACK_OFFSET + 256) {
            throw new IllegalArgumentException("tokenizer " + path + " has " + vocabSize
                    + " tokens, fewer than the 259 of BOS/EOS/unk and the byte fallbacks");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Llama2Tokenizer(pieces.toArray(String[]::new), s);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    /** The raw piece of a token (sentencepiece's {@code ▁} already replaced by a space), for diagnostics. */
    public String piece(int id) {
        checkId(id);
        return new String(pieces[id].getBytes(ISO_8859_1), UTF_8);
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        requireNonNull(text, "text is null");
        byte[] bytes = text.getBytes(UTF_8);
        int[] tokens = new int[bytes.length + 2];
        int n = 0;
        if (addBos) {
            tokens[n++] = BOS;
        }
        if (bytes.length > 0) {
            n = appendPiece(" ", tokens, n);
        }
        // One piece per UTF-8 code point (at most 4 bytes), as run.c walks the bytes.
        int len = 0;
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & 0xC0) != 0x80) {
                len = 0;
                start = i;
            }
            len++;
            if (i + 1 < bytes.length && (bytes[i + 1] & 0xC0) == 0x80 && len < 4) {
                continue;
            }
            n = appendPiece(new String(bytes, start, len, ISO_8859_1), tokens, n);
            len = 0;
            start = i + 1;
        }
        return merge(Arrays.copyOf(tokens, n));
    }

    private int appendPiece(String piece, int[] tokens, int n) {
        Integer id = ids.get(piece);
        if (id != null) {
            tokens[n++] = id;
            return n;
        }
        for (int k = 0; k < piece.length(); k++) {
            tokens[n++] = (piece.charAt(k) & 0xFF) + BYTE_FALLBACK_OFFSET;
        }
        return n;
    }

    /** A candidate merge of the node {@code left} with its right neighbour, valid while both are unchanged. */
    private record Candidate(float score, int left, int leftVersion, int right, int rightVersion, int mergedId) {}

    private int[] merge(int[] tokens) {
        int n = tokens.length;
        if (n < 2) {
            return tokens;
        }
        int[] tok = tokens.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        int[] version = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        // Highest score first; leftmost position on ties (nodes keep their original order, so index = position).
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> {
            int c = Float.compare(b.score(), a.score());
            return c != 0 ? c : Integer.compare(a.left(), b.left());
        });
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, i, i + 1, tok, version);
        }
        int remaining = n;
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left();
            int r = c.right();
            if (!alive[l] || !alive[r] || next[l] != r || version[l] != c.leftVersion() || version[r] != c.rightVersion()) {
                continue; // stale: one side has merged since
            }
            tok[l] = c.mergedId();
            version[l]++;
            alive[r] = false;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            remaining--;
            if (prev[l] >= 0) {
                offer(queue, prev[l], l, tok, version);
            }
            if (next[l] >= 0) {
                offer(queue, l, next[l], tok, version);
            }
        }
        int[] out = new int[remaining];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = tok[i];
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> queue, int left, int right, int[] tok, int[] version) {
        Integer merged = ids.get(pieces[tok[left]] + pieces[tok[right]]);
        if (merged != null && scores[merged] > NO_SCORE) {
            queue.add(new Candidate(scores[merged], left, version[left], right, version[right], merged));
        }
    }

    @Override
    public byte[] decodeBytes(int previousId, int id) {
        checkId(id);
        if (id == BOS || id == EOS) {
            return new byte[0];
        }
        return (previousId == BOS ? decodedAfterBos[id] : decoded[id]).clone();
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length);
        }
    }

    private static boolean isByteFallback(String piece) {
        return piece.length() == 6 && piece.startsWith("<0x") && piece.charAt(5) == '>'
                && hex(piece.charAt(3)) >= 0 && hex(piece.charAt(4)) >= 0;
    }

    private static byte[] pieceBytes(String piece) {
        if (isByteFallback(piece)) {
            return new byte[] {(byte) (hex(piece.charAt(3)) * 16 + hex(piece.charAt(4)))};
        }
        return piece.getBytes(ISO_8859_1);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
