package io.llumnix.engine.model;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import io.llumnix.engine.kernel.Kernels;
import io.llumnix.engine.kernel.ParallelFor;
import io.llumnix.engine.kernel.Rope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The fp32 Llama forward pass on the CPU over a paged KV cache: RMSNorm (eps 1e-5), RoPE, grouped-query
 * attention, SwiGLU feed-forward, tied or untied classifier, with llama2.c's {@code run.c} semantics.
 *
 * <p>One {@link #execute} gathers every token of every chunk into one activation matrix {@code X[T, dim]} and
 * runs each layer's projections as batched matmuls over all {@code T} tokens, so each weight is read once per
 * step however many sequences decode together; that is where batching pays. Attention then runs per token (per
 * token and KV head when the batch is small) in parallel, each token reading positions {@code 0..pos} of its own
 * sequence through its chunk's block table (causal within a chunk, because the step writes the chunk's K/V before
 * attending). Only the last token of chunks that want logits goes through the final norm and classifier. The
 * chunks of one step must write disjoint KV slots (the block manager guarantees it; shared prefix blocks are only
 * read).
 *
 * <p>Determinism: every float a token produces (its K/V and its logits) is computed by the same operations
 * whatever else shares the step, how its prompt was chunked, or how threads split the work (see
 * {@link Kernels}); per-token stages depend only on that token's row and position.
 *
 * <p>Not thread-safe: one step loop drives it. Internally every stage uses all cores ({@link ParallelFor}).
 */
public final class TransformerExecutor implements ModelExecutor {

    private static final float[] NO_NORM = new float[0];

    private final ModelShape shape;
    private final ExecutorWeights weights;
    private final Kernels kernels;
    private final PagedKvCache cache;
    private final int dim;
    private final int kvDim;
    private final int qkvDim;
    private final int hidden;
    private final int headSize;
    private final int numHeads;
    private final int kvMul;
    private final float sqrtHeadSize;
    private boolean closed;

    // Step buffers, grown on demand and reused: one row per token.
    private int capacity;
    private int[] tokenIds = new int[0];
    private int[] tokenPos = new int[0];
    private int[] tokenChunk = new int[0];
    private float[] x = new float[0];
    private float[] xb = new float[0];
    private float[] qkv = new float[0];
    private float[] attOut = new float[0];
    private float[] h13 = new float[0];
    private float[] hAct = new float[0];
    private float[] ropeCos = new float[0];
    private float[] ropeSin = new float[0];
    private int[][] chunkTables = new int[0][];

    TransformerExecutor(ExecutorWeights weights, Kernels kernels, int numKvBlocks, int blockSize) {
        this.weights = requireNonNull(weights, "weights is null");
        this.kernels = requireNonNull(kernels, "kernels is null");
        if (!weights.kernelName().equals(kernels.name())) {
            throw new IllegalArgumentException("weights packed for " + weights.kernelName() + " given to " + kernels.name() + " kernels");
        }
        this.shape = weights.shape();
        this.cache = new PagedKvCache(shape, numKvBlocks, blockSize);
        this.dim = shape.dim();
        this.kvDim = shape.kvDim();
        this.qkvDim = dim + 2 * kvDim;
        this.hidden = shape.hiddenDim();
        this.headSize = shape.headSize();
        this.numHeads = shape.numHeads();
        this.kvMul = shape.numHeads() / shape.numKvHeads();
        this.sqrtHeadSize = (float) Math.sqrt(headSize);
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public Optional<KvCacheStorage> kvStorage() {
        return Optional.of(cache);
    }

    /** Name of the kernels this executor computes with, e.g. {@code vector-512} or {@code scalar}. */
    public String kernelName() {
        return kernels.name();
    }

    @Override
    public StepOutput execute(StepBatch batch) {
        long start = System.nanoTime();
        if (closed) {
            throw new IllegalStateException("executor is closed");
        }
        List<SequenceChunk> chunks = batch.chunks();
        int numTokens = 0;
        int maxPos = 0;
        for (SequenceChunk c : chunks) {
            validate(c);
            numTokens += c.tokens().length;
            maxPos = Math.max(maxPos, c.endPos() - 1);
        }
        if (numTokens == 0) {
            return new StepOutput(List.of(), System.nanoTime() - start);
        }
        ensureCapacity(numTokens, chunks.size());
        int t = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            SequenceChunk c = chunks.get(ci);
            chunkTables[ci] = c.blockTable();
            for (int k = 0; k < c.tokens().length; k++, t++) {
                tokenIds[t] = c.tokens()[k];
                tokenPos[t] = c.startPos() + k;
                tokenChunk[t] = ci;
            }
        }
        forward(numTokens, maxPos);
        List<float[]> logits = classify(chunks);
        Arrays.fill(chunkTables, 0, chunks.size(), null);
        return new StepOutput(logits, System.nanoTime() - start);
    }

    private void validate(SequenceChunk c) {
        int vocab = shape.vocabSize();
        for (int id : c.tokens()) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("sequence " + c.seqId() + ": token id " + id + " outside the vocabulary of " + vocab);
            }
        }
        if (c.endPos() > shape.maxSeqLen()) {
            throw new IllegalArgumentException("sequence " + c.seqId() + ": position " + (c.endPos() - 1)
                    + " beyond the model's context of " + shape.maxSeqLen());
        }
        int bs = cache.blockSize();
        int needed = (c.endPos() + bs - 1) / bs;
        if (c.blockTable().length < needed) {
            throw new IllegalArgumentException("sequence " + c.seqId() + ": block table of " + c.blockTable().length
                    + " blocks cannot hold " + c.endPos() + " positions of block size " + bs);
        }
        for (int i = 0; i < needed; i++) {
            int b = c.blockTable()[i];
            if (b < 0 || b >= cache.numBlocks()) {
                throw new IllegalArgumentException("sequence " + c.seqId() + ": KV block " + b + " outside 0.." + (cache.numBlocks() - 1));
            }
        }
    }

    private void forward(int numTokens, int maxPos) {
        ExecutorWeights w = weights;
        // Embedding lookup and RoPE angles: per token, from its id and position only.
        for (int t = 0; t < numTokens; t++) {
            System.arraycopy(w.tokenEmbedding(), tokenIds[t] * dim, x, t * dim, dim);
            Rope.angles(tokenPos[t], headSize, ropeCos, ropeSin, t * (headSize / 2));
        }
        int layers = shape.numLayers();
        addAndNorm(numTokens, false, w.rmsAtt()[0]);
        for (int l = 0; l < layers; l++) {
            int layer = l;
            kernels.matmul(xb, numTokens, w.wqkv()[l], qkv);
            ParallelFor.run(numTokens, Math.max(1, 4096 / dim), (from, to) -> {
                for (int t = from; t < to; t++) {
                    int row = t * qkvDim;
                    int angles = t * (headSize / 2);
                    Rope.rotate(qkv, row, dim, headSize, ropeCos, ropeSin, angles);
                    Rope.rotate(qkv, row + dim, kvDim, headSize, ropeCos, ropeSin, angles);
                    int pos = tokenPos[t];
                    int bs = cache.blockSize();
                    cache.write(layer, chunkTables[tokenChunk[t]][pos / bs], pos % bs, qkv, row + dim, qkv, row + dim + kvDim);
                }
            });
            attention(layer, numTokens, maxPos);
            kernels.matmul(attOut, numTokens, w.wo()[l], xb);
            addAndNorm(numTokens, true, w.rmsFfn()[l]);
            kernels.matmul(xb, numTokens, w.w13()[l], h13);
            ParallelFor.run(numTokens, Math.max(1, 16384 / hidden), (from, to) -> {
                for (int t = from; t < to; t++) {
                    kernels.swiglu(hAct, t * hidden, h13, t * 2 * hidden, h13, t * 2 * hidden + hidden, hidden);
                }
            });
            kernels.matmul(hAct, numTokens, w.w2()[l], xb);
            // The last layer's output is normalised by the classifier, only for the tokens that need logits.
            addAndNorm(numTokens, true, l + 1 < layers ? w.rmsAtt()[l + 1] : NO_NORM);
        }
    }

    /** Per token: optionally {@code x += xb} (the residual), then {@code xb = rmsnorm(x)} unless {@code norm} is empty. */
    private void addAndNorm(int numTokens, boolean addResidual, float[] norm) {
        ParallelFor.run(numTokens, Math.max(1, 16384 / dim), (from, to) -> {
            for (int t = from; t < to; t++) {
                int row = t * dim;
                if (addResidual) {
                    for (int i = row; i < row + dim; i++) {
                        x[i] += xb[i];
                    }
                }
                if (norm.length > 0) {
                    kernels.rmsnorm(xb, row, x, row, norm, dim);
                }
            }
        });
    }

    /**
     * Causal attention, in parallel over items of (token, group of KV heads): each item streams its sequence's
     * blocks front to back, first scoring against the keys of all its heads, then summing the values, so
     * consecutive reads are adjacent in memory. Small batches split a token's heads into several items to keep
     * every core busy; the per-head arithmetic is the same either way.
     */
    private void attention(int layer, int numTokens, int maxPos) {
        float[] kv = cache.layer(layer);
        int bs = cache.blockSize();
        int kvHeads = shape.numKvHeads();
        int groups = numTokens >= 4 * ParallelFor.parallelism() ? 1 : kvHeads;
        int kvHeadsPerItem = kvHeads / groups;
        int headsPerItem = kvHeadsPerItem * kvMul;
        int ctx = maxPos + 1;
        long workPerItem = (long) (maxPos + 2) / 2 * headsPerItem * headSize * 2;
        int grain = (int) Math.max(1, 65536 / Math.max(1, workPerItem));
        ParallelFor.run(numTokens * groups, grain, (from, to) -> {
            float[] att = new float[headsPerItem * ctx];
            for (int item = from; item < to; item++) {
                int t = item / groups;
                int g0 = (item % groups) * kvHeadsPerItem;
                int h0 = g0 * kvMul;
                int pos = tokenPos[t];
                int[] table = chunkTables[tokenChunk[t]];
                int qRow = t * qkvDim;
                for (int p0 = 0, bi = 0; p0 <= pos; p0 += bs, bi++) {
                    kernels.attentionScores(qkv, qRow + h0 * headSize, headsPerItem, kvMul, kv, cache.keyOffset(table[bi], g0), headSize, bs,
                            Math.min(bs, pos + 1 - p0), sqrtHeadSize, att, p0, ctx);
                }
                int oRow = t * dim;
                for (int hl = 0; hl < headsPerItem; hl++) {
                    kernels.softmax(att, hl * ctx, pos + 1);
                }
                Arrays.fill(attOut, oRow + h0 * headSize, oRow + (h0 + headsPerItem) * headSize, 0.0f);
                for (int p0 = 0, bi = 0; p0 <= pos; p0 += bs, bi++) {
                    int n = Math.min(bs, pos + 1 - p0);
                    int vBase = cache.valueOffset(table[bi], 0);
                    for (int hl = 0; hl < headsPerItem; hl++) {
                        int h = h0 + hl;
                        kernels.attendValues(att, hl * ctx + p0, n, kv, vBase + (h / kvMul) * headSize, kvDim, attOut, oRow + h * headSize,
                                headSize);
                    }
                }
            }
        });
    }

    /** Final norm and classifier for the last token of every chunk that wants logits, batched. */
    private List<float[]> classify(List<SequenceChunk> chunks) {
        int wanted = 0;
        for (SequenceChunk c : chunks) {
            if (c.wantLogits()) {
                wanted++;
            }
        }
        List<float[]> out = new ArrayList<>(chunks.size());
        if (wanted == 0) {
            for (int i = 0; i < chunks.size(); i++) {
                out.add(StepOutput.NO_LOGITS);
            }
            return out;
        }
        int vocab = shape.vocabSize();
        float[] rows = new float[wanted * dim];
        float[] logits = new float[wanted * vocab];
        int r = 0;
        int last = -1;
        for (SequenceChunk c : chunks) {
            last += c.tokens().length;
            if (c.wantLogits()) {
                kernels.rmsnorm(rows, r * dim, x, last * dim, weights.rmsFinal(), dim);
                r++;
            }
        }
        kernels.matmul(rows, wanted, weights.classifier(), logits);
        r = 0;
        for (SequenceChunk c : chunks) {
            if (c.wantLogits()) {
                out.add(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab));
                r++;
            } else {
                out.add(StepOutput.NO_LOGITS);
            }
        }
        return out;
    }

    private void ensureCapacity(int numTokens, int numChunks) {
        if (chunkTables.length < numChunks) {
            chunkTables = new int[Math.max(numChunks, 2 * chunkTables.length)][];
        }
        if (numTokens <= capacity) {
            return;
        }
        int n = Math.max(numTokens, capacity + capacity / 2);
        tokenIds = new int[n];
        tokenPos = new int[n];
        tokenChunk = new int[n];
        x = new float[n * dim];
        xb = new float[n * dim];
        qkv = new float[n * qkvDim];
        attOut = new float[n * dim];
        h13 = new float[n * 2 * hidden];
        hAct = new float[n * hidden];
        ropeCos = new float[n * (headSize / 2)];
        ropeSin = new float[n * (headSize / 2)];
        capacity = n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cache.release();
            capacity = 0;
            x = xb = qkv = attOut = h13 = hAct = ropeCos = ropeSin = new float[0];
        }
    }
}
