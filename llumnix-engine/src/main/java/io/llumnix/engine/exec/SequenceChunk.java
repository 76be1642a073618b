package io.llumnix.engine.exec;

/**
 * The work one sequence contributes to a step: {@code tokens} to run at positions
 * {@code startPos .. startPos + tokens.length - 1}. A decode is a chunk of one token; a prefill is one or
 * more chunks of its prompt. Attention reads positions {@code 0 .. startPos + tokens.length - 1} through
 * {@code blockTable}: position {@code p} lives in block {@code blockTable[p / blockSize]} at slot
 * {@code p % blockSize}, so the table must cover every position up to the chunk's last.
 *
 * @param seqId the sequence (for diagnostics)
 * @param tokens token ids to compute (not empty)
 * @param startPos position of {@code tokens[0]}
 * @param blockTable physical block ids, in position order
 * @param wantLogits whether to return logits of the last token (true when the step ends a prefill or decodes)
 */
public record SequenceChunk(long seqId, int[] tokens, int startPos, int[] blockTable, boolean wantLogits) {

    public SequenceChunk {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("chunk of sequence " + seqId + " has no tokens");
        }
        if (startPos < 0) {
            throw new IllegalArgumentException("negative start position " + startPos);
        }
    }

    /** Position after the chunk's last token: the context length once the chunk is computed. */
    public int endPos() {
        return startPos + tokens.length;
    }
}
