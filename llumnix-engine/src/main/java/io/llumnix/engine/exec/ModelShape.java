package io.llumnix.engine.exec;

/**
 * The dimensions of a Llama-shaped model that the rest of the engine needs: vocabulary, context window and
 * the KV footprint per token.
 *
 * @param dim model width
 * @param hiddenDim feed-forward width
 * @param numLayers transformer layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (grouped-query attention when fewer than query heads)
 * @param vocabSize tokens in the vocabulary
 * @param maxSeqLen context window in tokens
 */
public record ModelShape(int dim, int hiddenDim, int numLayers, int numHeads, int numKvHeads, int vocabSize, int maxSeqLen) {

    public ModelShape {
        if (dim <= 0 || hiddenDim <= 0 || numLayers <= 0 || numHeads <= 0 || numKvHeads <= 0 || vocabSize <= 0 || maxSeqLen <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive: " + this);
        }
        if (dim % numHeads != 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("dim must divide into heads and heads into kv heads: " + this);
        }
    }

    public int headSize() {
        return dim / numHeads;
    }

    public int kvDim() {
        return headSize() * numKvHeads;
    }

    /** Floats of K plus V that one token occupies in one layer. */
    public int kvFloatsPerTokenPerLayer() {
        return 2 * kvDim();
    }

    /** Bytes of KV one token occupies across all layers (fp32). */
    public long kvBytesPerToken() {
        return 4L * kvFloatsPerTokenPerLayer() * numLayers;
    }

    /** Parameter count (embedding, attention, FFN, norms; tied classifier not counted twice). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        return (long) vocabSize * dim + perLayer * numLayers + dim;
    }
}
