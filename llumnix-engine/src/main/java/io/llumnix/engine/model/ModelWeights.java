package io.llumnix.engine.model;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.ModelShape;

/**
 * The fp32 weights of a Llama model, row-major ({@code [out, in]}, applied as {@code y = W x}), with the
 * projections that read the same input fused: {@code wqkv[l]} is wq, wk, wv stacked ({@code dim + 2·kvDim} rows)
 * and {@code w13[l]} is w1 then w3 ({@code 2·hiddenDim} rows). Fusing changes no arithmetic, only how many
 * parallel regions a layer needs.
 *
 * <p>Arrays are owned by this record and never modified after loading.
 *
 * @param classifier {@code [vocab, dim]}; the same array as {@code tokenEmbedding} when tied
 */
record ModelWeights(
        ModelShape shape,
        float[] tokenEmbedding,
        float[][] rmsAtt,
        float[][] wqkv,
        float[][] wo,
        float[][] rmsFfn,
        float[][] w13,
        float[][] w2,
        float[] rmsFinal,
        float[] classifier) {

    ModelWeights {
        requireNonNull(shape, "shape is null");
        requireNonNull(tokenEmbedding, "tokenEmbedding is null");
        requireNonNull(rmsAtt, "rmsAtt is null");
        requireNonNull(wqkv, "wqkv is null");
        requireNonNull(wo, "wo is null");
        requireNonNull(rmsFfn, "rmsFfn is null");
        requireNonNull(w13, "w13 is null");
        requireNonNull(w2, "w2 is null");
        requireNonNull(rmsFinal, "rmsFinal is null");
        requireNonNull(classifier, "classifier is null");
    }

    boolean tiedClassifier() {
        return classifier == tokenEmbedding;
    }

    int qkvRows() {
        return shape.dim() + 2 * shape.kvDim();
    }

    /** Empty arrays of the right sizes, to be filled by a loader. */
    static ModelWeights allocate(ModelShape shape, boolean tied) {
        int dim = shape.dim();
        int layers = shape.numLayers();
        int hidden = shape.hiddenDim();
        int qkvRows = dim + 2 * shape.kvDim();
        float[] embedding = new float[checkedSize((long) shape.vocabSize() * dim, "token embedding")];
        float[][] rmsAtt = new float[layers][dim];
        float[][] wqkv = new float[layers][];
        float[][] wo = new float[layers][];
        float[][] rmsFfn = new float[layers][dim];
        float[][] w13 = new float[layers][];
        float[][] w2 = new float[layers][];
        for (int l = 0; l < layers; l++) {
            wqkv[l] = new float[checkedSize((long) qkvRows * dim, "wqkv")];
            wo[l] = new float[checkedSize((long) dim * dim, "wo")];
            w13[l] = new float[checkedSize(2L * hidden * dim, "w1/w3")];
            w2[l] = new float[checkedSize((long) dim * hidden, "w2")];
        }
        float[] classifier = tied ? embedding : new float[embedding.length];
        return new ModelWeights(shape, embedding, rmsAtt, wqkv, wo, rmsFfn, w13, w2, new float[dim], classifier);
    }

    /** Bytes of fp32 weights (a tied classifier counted once). */
    static long bytes(ModelShape shape, boolean tied) {
        return 4L * (shape.parameterCount() + (tied ? 0 : (long) shape.vocabSize() * shape.dim()));
    }

    private static int checkedSize(long size, String what) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(what + " matrix of " + size + " floats exceeds the Java array limit");
        }
        return (int) size;
    }
}
