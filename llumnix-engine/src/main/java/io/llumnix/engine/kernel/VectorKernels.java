package io.llumnix.engine.kernel;

import static java.util.Objects.requireNonNull;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the Vector API with {@link FloatVector#SPECIES_PREFERRED} (16 lanes on AVX-512).
 *
 * <p>The matmul avoids horizontal reductions altogether, which is what makes it both fast and batch-invariant:
 * weights are packed into <em>panels</em> of {@code 4 × lanes} output rows stored input-major
 * ({@code panel[i][c] = W[p·width + c][i]}), so one vector load fetches the {@code i}-th weight of 16 consecutive
 * outputs. Each output is then the chain {@code acc = fma(W[o][i], x[t][i], acc)} for {@code i = 0, 1, …} in order,
 * computed lane-wise; a 4-token × 4-vector register tile reuses every weight load for four tokens and every
 * broadcast input for 64 outputs. Tiles of one token run the very same chain, so a token's row does not depend
 * on its neighbours. The attention kernels follow the same rule (fused multiply-adds in index order, lanes across
 * independent outputs), and their scalar tails use {@link Math#fma} to stay on the same chain.
 *
 * <p>Stateless; thread-safe.
 */
final class VectorKernels implements Kernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output rows per packed panel: four vectors, the register tile's width. */
    static final int PANEL = 4 * L;
    /** Tokens per work item; a multiple of the 4-token tile. */
    private static final int TOKEN_GROUP = 64;
    /** Multiply-adds below which a matmul chunk is not worth handing to another thread. */
    private static final long GRAIN_FLOPS = 1L << 18;

    private final String name = "vector-" + S.vectorBitSize();

    /** Panel-packed weights; padding rows of the last panel are zero and never stored to outputs. */
    record Panels(float[] data, int rows, int cols, String kernelName) implements WeightMatrix {
        Panels {
            requireNonNull(data, "data is null");
            requireNonNull(kernelName, "kernelName is null");
        }

        int panels() {
            return (rows + PANEL - 1) / PANEL;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public WeightMatrix pack(float[] w, int rows, int cols) {
        if ((long) rows * cols > w.length) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " floats, array has " + w.length);
        }
        int panels = (rows + PANEL - 1) / PANEL;
        long size = (long) panels * cols * PANEL;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " is too large to pack into one array");
        }
        float[] data = new float[(int) size];
        ParallelFor.run(panels, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                int validRows = Math.min(PANEL, rows - p * PANEL);
                int base = p * cols * PANEL;
                for (int i = 0; i < cols; i++) {
                    int dst = base + i * PANEL;
                    int src = p * PANEL * cols + i;
                    for (int c = 0; c < validRows; c++) {
                        data[dst + c] = w[src + c * cols];
                    }
                }
            }
        });
        return new Panels(data, rows, cols, name);
    }

    @Override
    public void matmul(float[] x, int numTokens, WeightMatrix w, float[] y) {
        if (!(w instanceof Panels m) || !m.kernelName().equals(name)) {
            throw new IllegalArgumentException("matrix packed by " + w.kernelName() + " used with " + name + " kernels");
        }
        int cols = m.cols();
        int panels = m.panels();
        int groups = (numTokens + TOKEN_GROUP - 1) / TOKEN_GROUP;
        long flopsPerItem = (long) Math.min(numTokens, TOKEN_GROUP) * cols * PANEL;
        int minItems = (int) Math.max(1, GRAIN_FLOPS / Math.max(1, flopsPerItem));
        ParallelFor.run(panels * groups, minItems, (from, to) -> {
            for (int item = from; item < to; item++) {
                int p = item / groups;
                int t0 = (item % groups) * TOKEN_GROUP;
                int t1 = Math.min(numTokens, t0 + TOKEN_GROUP);
                panel(m, p, x, t0, t1, y);
            }
        });
    }

    private static void panel(Panels m, int p, float[] x, int t0, int t1, float[] y) {
        int t = t0;
        for (; t + 4 <= t1; t += 4) {
            tile4(m, p, x, t, y);
        }
        for (; t < t1; t++) {
            tile1(m, p, x, t, y);
        }
    }

    /** Four tokens × one panel: 16 accumulators, 4 weight loads and 4 broadcasts per input index. */
    private static void tile4(Panels m, int p, float[] x, int t, float[] y) {
        float[] w = m.data();
        int cols = m.cols();
        int base = p * cols * PANEL;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < cols; i++) {
            int wo = base + i * PANEL;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
            a33 = w3.fma(b, a33);
        }
        int rows = m.rows();
        int o0 = p * PANEL;
        store(a00, a01, a02, a03, y, t * rows, o0, rows);
        store(a10, a11, a12, a13, y, (t + 1) * rows, o0, rows);
        store(a20, a21, a22, a23, y, (t + 2) * rows, o0, rows);
        store(a30, a31, a32, a33, y, (t + 3) * rows, o0, rows);
    }

    /** One token × one panel: the same per-output chain as {@link #tile4}. */
    private static void tile1(Panels m, int p, float[] x, int t, float[] y) {
        float[] w = m.data();
        int cols = m.cols();
        int base = p * cols * PANEL;
        int x0 = t * cols;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < cols; i++) {
            int wo = base + i * PANEL;
            FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
            a0 = FloatVector.fromArray(S, w, wo).fma(b, a0);
            a1 = FloatVector.fromArray(S, w, wo + L).fma(b, a1);
            a2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(b, a2);
            a3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(b, a3);
        }
        int rows = m.rows();
        store(a0, a1, a2, a3, y, t * rows, p * PANEL, rows);
    }

    private static void store(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] y, int rowOff, int o0,
            int rows) {
        if (o0 + PANEL <= rows) {
            a0.intoArray(y, rowOff + o0);
            a1.intoArray(y, rowOff + o0 + L);
            a2.intoArray(y, rowOff + o0 + 2 * L);
            a3.intoArray(y, rowOff + o0 + 3 * L);
            return;
        }
        storePartial(a0, y, rowOff, o0, rows);
        storePartial(a1, y, rowOff, o0 + L, rows);
        storePartial(a2, y, rowOff, o0 + 2 * L, rows);
        storePartial(a3, y, rowOff, o0 + 3 * L, rows);
    }

    private static void storePartial(FloatVector a, float[] y, int rowOff, int o, int rows) {
        if (o >= rows) {
            return;
        }
        if (o + L <= rows) {
            a.intoArray(y, rowOff + o);
        } else {
            a.intoArray(y, rowOff + o, S.indexInRange(o, rows));
        }
    }

    @Override
    public void attentionScores(float[] q, int qOff, float[] kT, int kOff, int headSize, int blockSize, int n,
            float sqrtHeadSize, float[] out, int outOff) {
        int bound = S.loopBound(blockSize);
        int s = 0;
        for (; s < bound && s < n; s += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < headSize; j++) {
                acc = FloatVector.fromArray(S, kT, kOff + j * blockSize + s).fma(FloatVector.broadcast(S, q[qOff + j]), acc);
            }
            acc = acc.div(sqrtHeadSize);
            if (s + L <= n) {
                acc.intoArray(out, outOff + s);
            } else {
                VectorMask<Float> valid = S.indexInRange(s, n);
                acc.intoArray(out, outOff + s, valid);
            }
        }
        for (; s < n; s++) {
            float acc = 0.0f;
            for (int j = 0; j < headSize; j++) {
                acc = Math.fma(kT[kOff + j * blockSize + s], q[qOff + j], acc);
            }
            out[outOff + s] = acc / sqrtHeadSize;
        }
    }

    @Override
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        int j = 0;
        if (bound > 0) {
            FloatVector av = FloatVector.broadcast(S, a);
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, x, xOff + j).fma(av, FloatVector.fromArray(S, y, yOff + j)).intoArray(y, yOff + j);
            }
        }
        for (; j < n; j++) {
            y[yOff + j] = Math.fma(x[xOff + j], a, y[yOff + j]);
        }
    }
}
