package io.llumnix.engine.tokenizer;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * A byte-level tokenizer for synthetic models, laid out like llama2.c's vocabularies so text prompts work on a
 * model with random weights: id 0 is {@code <unk>}, 1 BOS, 2 EOS, ids 3..258 are the 256 bytes
 * ({@code id = byte + 3}), and every higher id decodes to a short made-up word ({@code " " + letters}) so
 * generated text stays printable. {@link #encode} emits only BOS, a dummy-prefix space and byte ids.
 *
 * <p>Immutable; thread-safe.
 */
public final class SyntheticTokenizer implements Tokenizer {

    /** The smallest vocabulary that holds the special ids and the 256 bytes. */
    public static final int MIN_VOCAB_SIZE = 259;

    private static final int BOS = 1;
    private static final int EOS = 2;
    private static final int BYTE_OFFSET = 3;

    private final int vocabSize;

    public SyntheticTokenizer(int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("a byte-level synthetic tokenizer needs at least " + MIN_VOCAB_SIZE
                    + " tokens, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        requireNonNull(text, "text is null");
        byte[] bytes = text.getBytes(UTF_8);
        int[] tokens = new int[bytes.length + (addBos ? 1 : 0) + (bytes.length > 0 ? 1 : 0)];
        int n = 0;
        if (addBos) {
            tokens[n++] = BOS;
        }
        if (bytes.length > 0) {
            tokens[n++] = ' ' + BYTE_OFFSET;
        }
        for (byte b : bytes) {
            tokens[n++] = (b & 0xFF) + BYTE_OFFSET;
        }
        return tokens;
    }

    @Override
    public byte[] decodeBytes(int previousId, int id) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + vocabSize);
        }
        byte[] piece;
        if (id == BOS || id == EOS) {
            return new byte[0];
        } else if (id == 0) {
            piece = "<unk>".getBytes(US_ASCII);
        } else if (id < BYTE_OFFSET + 256) {
            piece = new byte[] {(byte) (id - BYTE_OFFSET)};
        } else {
            piece = word(id - BYTE_OFFSET - 256).getBytes(US_ASCII);
        }
        if (previousId == BOS && piece.length > 1 && piece[0] == ' ') {
            byte[] stripped = new byte[piece.length - 1];
            System.arraycopy(piece, 1, stripped, 0, stripped.length);
            return stripped;
        }
        if (previousId == BOS && id == ' ' + BYTE_OFFSET) {
            return new byte[0]; // the dummy-prefix space right after BOS, as llama2.c drops it
        }
        return piece;
    }

    /** {@code " " + } two or more lowercase letters, distinct for every index. */
    private static String word(int index) {
        StringBuilder sb = new StringBuilder();
        int v = index;
        do {
            sb.append((char) ('a' + v % 26));
            v /= 26;
        } while (v > 0);
        if (sb.length() < 2) {
            sb.append('a');
        }
        return " " + sb.reverse();
    }
}
