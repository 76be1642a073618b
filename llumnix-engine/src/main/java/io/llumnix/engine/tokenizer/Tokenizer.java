package io.llumnix.engine.tokenizer;

/**
 * Text to token ids and back. Thread-safe and immutable.
 *
 * <p>Decoding is per token and yields raw bytes, because one UTF-8 character can span several byte-fallback
 * tokens; callers assemble text with an incremental UTF-8 decoder.
 */
public interface Tokenizer {

    int vocabSize();

    int bosId();

    int eosId();

    /** Encodes text; with {@code addBos} a leading BOS, and (llama2.c convention) a dummy-prefix space. */
    int[] encode(String text, boolean addBos);

    /**
     * The bytes that token {@code id} contributes to the output text when it follows {@code previousId}
     * (a piece's leading space is dropped right after BOS, as run.c does). BOS and EOS contribute nothing.
     */
    byte[] decodeBytes(int previousId, int id);
}
