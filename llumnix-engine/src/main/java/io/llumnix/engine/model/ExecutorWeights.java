package io.llumnix.engine.model;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.kernel.Kernels;
import io.llumnix.engine.kernel.WeightMatrix;

/**
 * {@link ModelWeights} with every matrix packed for one {@link Kernels} implementation. Embedding rows and norm
 * weights stay row-major (they are looked up, not multiplied). Immutable; shared by all executors of a model that
 * use the same kernels.
 */
record ExecutorWeights(
        ModelShape shape,
        String kernelName,
        float[] tokenEmbedding,
        float[][] rmsAtt,
        WeightMatrix[] wqkv,
        WeightMatrix[] wo,
        float[][] rmsFfn,
        WeightMatrix[] w13,
        WeightMatrix[] w2,
        float[] rmsFinal,
        WeightMatrix classifier) {

    ExecutorWeights {
        requireNonNull(shape, "shape is null");
        requireNonNull(kernelName, "kernelName is null");
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

    static ExecutorWeights pack(ModelWeights w, Kernels kernels) {
        ModelShape s = w.shape();
        int layers = s.numLayers();
        int dim = s.dim();
        int hidden = s.hiddenDim();
        WeightMatrix[] wqkv = new WeightMatrix[layers];
        WeightMatrix[] wo = new WeightMatrix[layers];
        WeightMatrix[] w13 = new WeightMatrix[layers];
        WeightMatrix[] w2 = new WeightMatrix[layers];
        for (int l = 0; l < layers; l++) {
            wqkv[l] = kernels.pack(w.wqkv()[l], w.qkvRows(), dim);
            wo[l] = kernels.pack(w.wo()[l], dim, dim);
            w13[l] = kernels.pack(w.w13()[l], 2 * hidden, dim);
            w2[l] = kernels.pack(w.w2()[l], dim, hidden);
        }
        WeightMatrix cls = kernels.pack(w.classifier(), s.vocabSize(), dim);
        return new ExecutorWeights(s, kernels.name(), w.tokenEmbedding(), w.rmsAtt(), wqkv, wo, w.rmsFfn(), w13, w2, w.rmsFinal(), cls);
    }
}
