package io.llumnix.engine.kernel;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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
 * independent outputs), and their scalar tails use {@link Math#fma} to stay on the same chain. Softmax and SwiGLU
 * use {@link VectorMath#exp}, which is exact IEEE arithmetic and so the same compiled or interpreted.
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
    /** Input indices per pass of a 4-token tile: a 128 × 64-float panel slice (32 KiB) stays in L1. */
    private static final int K_BLOCK = 128;
    private static final float[] NO_SCRATCH = new float[0];
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
            float[] scratch = numTokens >= 4 ? new float[TOKEN_GROUP * PANEL] : NO_SCRATCH;
            for (int item = from; item < to; item++) {
                int p = item / groups;
                int t0 = (item % groups) * TOKEN_GROUP;
                int t1 = Math.min(numTokens, t0 + TOKEN_GROUP);
                panel(m, p, x, t0, t1, y, scratch);
            }
        });
    }

    /**
     * One panel for tokens {@code [t0, t1)}. Four-token tiles walk the input dimension in blocks of
     * {@link #K_BLOCK} so the panel slice they share stays in L1; their sums live in {@code scratch} between
     * blocks (starting from zeros; a store and reload is exact, so the chain per output is unchanged) and are
     * copied to {@code y} at the end. Leftover tokens go one at a time.
     */
    private static void panel(Panels m, int p, float[] x, int t0, int t1, float[] y, float[] scratch) {
        int cols = m.cols();
        int tiled = t0 + (t1 - t0) / 4 * 4;
        if (tiled > t0) {
            Arrays.fill(scratch, 0, (tiled - t0) * PANEL, 0.0f);
            for (int k0 = 0; k0 < cols; k0 += K_BLOCK) {
                int k1 = Math.min(cols, k0 + K_BLOCK);
                for (int t = t0; t < tiled; t += 4) {
                    tile4(m, p, x, t, k0, k1, scratch, (t - t0) * PANEL);
                }
            }
            int rows = m.rows();
            int o0 = p * PANEL;
            int valid = Math.min(PANEL, rows - o0);
            for (int t = t0; t < tiled; t++) {
                System.arraycopy(scratch, (t - t0) * PANEL, y, t * rows + o0, valid);
            }
        }
        for (int t = tiled; t < t1; t++) {
            tile1(m, p, x, t, y);
        }
    }

    /**
     * Four tokens × one panel over inputs {@code [k0, k1)}: 16 accumulators loaded from and stored back to
     * {@code scratch[s ..]} (four rows of {@link #PANEL}), 4 weight loads and 4 broadcasts per input index.
     * Deliberately branch-free so C2 keeps every accumulator in a register.
     */
    private static void tile4(Panels m, int p, float[] x, int t, int k0, int k1, float[] scratch, int s) {
        float[] w = m.data();
        int cols = m.cols();
        int base = p * cols * PANEL;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.fromArray(S, scratch, s);
        FloatVector a01 = FloatVector.fromArray(S, scratch, s + L);
        FloatVector a02 = FloatVector.fromArray(S, scratch, s + 2 * L);
        FloatVector a03 = FloatVector.fromArray(S, scratch, s + 3 * L);
        FloatVector a10 = FloatVector.fromArray(S, scratch, s + PANEL);
        FloatVector a11 = FloatVector.fromArray(S, scratch, s + PANEL + L);
        FloatVector a12 = FloatVector.fromArray(S, scratch, s + PANEL + 2 * L);
        FloatVector a13 = FloatVector.fromArray(S, scratch, s + PANEL + 3 * L);
        FloatVector a20 = FloatVector.fromArray(S, scratch, s + 2 * PANEL);
        FloatVector a21 = FloatVector.fromArray(S, scratch, s + 2 * PANEL + L);
        FloatVector a22 = FloatVector.fromArray(S, scratch, s + 2 * PANEL + 2 * L);
        FloatVector a23 = FloatVector.fromArray(S, scratch, s + 2 * PANEL + 3 * L);
        FloatVector a30 = FloatVector.fromArray(S, scratch, s + 3 * PANEL);
        FloatVector a31 = FloatVector.fromArray(S, scratch, s + 3 * PANEL + L);
        FloatVector a32 = FloatVector.fromArray(S, scratch, s + 3 * PANEL + 2 * L);
        FloatVector a33 = FloatVector.fromArray(S, scratch, s + 3 * PANEL + 3 * L);
        for (int i = k0; i < k1; i++) {
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
        a00.intoArray(scratch, s);
        a01.intoArray(scratch, s + L);
        a02.intoArray(scratch, s + 2 * L);
        a03.intoArray(scratch, s + 3 * L);
        a10.intoArray(scratch, s + PANEL);
        a11.intoArray(scratch, s + PANEL + L);
        a12.intoArray(scratch, s + PANEL + 2 * L);
        a13.intoArray(scratch, s + PANEL + 3 * L);
        a20.intoArray(scratch, s + 2 * PANEL);
        a21.intoArray(scratch, s + 2 * PANEL + L);
        a22.intoArray(scratch, s + 2 * PANEL + 2 * L);
        a23.intoArray(scratch, s + 2 * PANEL + 3 * L);
        a30.intoArray(scratch, s + 3 * PANEL);
        a31.intoArray(scratch, s + 3 * PANEL + L);
        a32.intoArray(scratch, s + 3 * PANEL + 2 * L);
        a33.intoArray(scratch, s + 3 * PANEL + 3 * L);
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

    /**
     * Lanes run across the slots of the block; each score is the chain {@code acc = fma(k[j][s], q[j], acc)} over
     * {@code j} in order. Heads go in pairs so two independent chains hide the multiply-add latency; a lone head or
     * slots beyond the last full vector take the same chain alone.
     */
    @Override
    public void attentionScores(float[] q, int qOff, int numHeads, int kvMul, float[] kT, int kOff, int headSize, int blockSize, int n,
            float sqrtHeadSize, float[] out, int outOff, int outStride) {
        int headFloats = headSize * blockSize;
        int bound = Math.min(S.loopBound(blockSize), n + L - 1) / L * L;
        int i = 0;
        for (; i + 1 < numHeads; i += 2) {
            int q0 = qOff + i * headSize;
            int q1 = q0 + headSize;
            int k0 = kOff + (i / kvMul) * headFloats;
            int k1 = kOff + ((i + 1) / kvMul) * headFloats;
            int o0 = outOff + i * outStride;
            int o1 = o0 + outStride;
            for (int s = 0; s < bound; s += L) {
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = acc0;
                for (int j = 0; j < headSize; j++) {
                    acc0 = FloatVector.fromArray(S, kT, k0 + j * blockSize + s).fma(FloatVector.broadcast(S, q[q0 + j]), acc0);
                    acc1 = FloatVector.fromArray(S, kT, k1 + j * blockSize + s).fma(FloatVector.broadcast(S, q[q1 + j]), acc1);
                }
                storeScores(acc0.div(sqrtHeadSize), out, o0, s, n);
                storeScores(acc1.div(sqrtHeadSize), out, o1, s, n);
            }
            scoreTail(q, q0, kT, k0, headSize, blockSize, bound, n, sqrtHeadSize, out, o0);
            scoreTail(q, q1, kT, k1, headSize, blockSize, bound, n, sqrtHeadSize, out, o1);
        }
        if (i < numHeads) {
            int q0 = qOff + i * headSize;
            int k0 = kOff + (i / kvMul) * headFloats;
            int o0 = outOff + i * outStride;
            for (int s = 0; s < bound; s += L) {
                FloatVector acc0 = FloatVector.zero(S);
                for (int j = 0; j < headSize; j++) {
                    acc0 = FloatVector.fromArray(S, kT, k0 + j * blockSize + s).fma(FloatVector.broadcast(S, q[q0 + j]), acc0);
                }
                storeScores(acc0.div(sqrtHeadSize), out, o0, s, n);
            }
            scoreTail(q, q0, kT, k0, headSize, blockSize, bound, n, sqrtHeadSize, out, o0);
        }
    }

    private static void storeScores(FloatVector scores, float[] out, int o, int s, int n) {
        if (s + L <= n) {
            scores.intoArray(out, o + s);
        } else {
            VectorMask<Float> valid = S.indexInRange(s, n);
            scores.intoArray(out, o + s, valid);
        }
    }

    private static void scoreTail(float[] q, int q0, float[] kT, int k0, int headSize, int blockSize, int from, int n, float sqrtHeadSize,
            float[] out, int o0) {
        for (int s = from; s < n; s++) {
            float acc = 0.0f;
            for (int j = 0; j < headSize; j++) {
                acc = Math.fma(kT[k0 + j * blockSize + s], q[q0 + j], acc);
            }
            out[o0 + s] = acc / sqrtHeadSize;
        }
    }

    /**
     * Lanes run across the row; each element is the chain {@code out = fma(v[s][j], a[s], out)} over {@code s} in
     * order, with up to four vectors of the row accumulated in registers at once.
     */
    @Override
    public void attendValues(float[] a, int aOff, int n, float[] v, int vOff, int vStride, float[] out, int oOff, int width) {
        int j = 0;
        for (; j + 4 * L <= width; j += 4 * L) {
            FloatVector c0 = FloatVector.fromArray(S, out, oOff + j);
            FloatVector c1 = FloatVector.fromArray(S, out, oOff + j + L);
            FloatVector c2 = FloatVector.fromArray(S, out, oOff + j + 2 * L);
            FloatVector c3 = FloatVector.fromArray(S, out, oOff + j + 3 * L);
            for (int s = 0; s < n; s++) {
                FloatVector w = FloatVector.broadcast(S, a[aOff + s]);
                int row = vOff + s * vStride + j;
                c0 = FloatVector.fromArray(S, v, row).fma(w, c0);
                c1 = FloatVector.fromArray(S, v, row + L).fma(w, c1);
                c2 = FloatVector.fromArray(S, v, row + 2 * L).fma(w, c2);
                c3 = FloatVector.fromArray(S, v, row + 3 * L).fma(w, c3);
            }
            c0.intoArray(out, oOff + j);
            c1.intoArray(out, oOff + j + L);
            c2.intoArray(out, oOff + j + 2 * L);
            c3.intoArray(out, oOff + j + 3 * L);
        }
        for (; j + L <= width; j += L) {
            FloatVector c = FloatVector.fromArray(S, out, oOff + j);
            for (int s = 0; s < n; s++) {
                c = FloatVector.fromArray(S, v, vOff + s * vStride + j).fma(FloatVector.broadcast(S, a[aOff + s]), c);
            }
            c.intoArray(out, oOff + j);
        }
        for (; j < width; j++) {
            float c = out[oOff + j];
            for (int s = 0; s < n; s++) {
                c = Math.fma(v[vOff + s * vStride + j], a[aOff + s], c);
            }
            out[oOff + j] = c;
        }
    }

    /** Softmax with the lane-wise {@link VectorMath#exp}; the sum runs lane-wise, then over lanes in order, then the tail. */
    @Override
    public void softmax(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        float max = x[off];
        int i = 0;
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(S, x, off);
            for (i = L; i < bound; i += L) {
                m = m.max(FloatVector.fromArray(S, x, off + i));
            }
            max = m.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0.0f;
        i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += L) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, off + i).sub(max));
                e.intoArray(x, off + i);
                acc = acc.add(e);
            }
            for (int lane = 0; lane < L; lane++) {
                sum += acc.lane(lane);
            }
        }
        for (; i < n; i++) {
            float e = VectorMath.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).div(sum).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] /= sum;
        }
    }

    /** SwiGLU with the lane-wise {@link VectorMath#exp}: {@code g · (1 / (1 + e^-g)) · u}, as run.c orders it. */
    @Override
    public void swiglu(float[] out, int outOff, float[] gate, int gateOff, float[] up, int upOff, int n) {
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector g = FloatVector.fromArray(S, gate, gateOff + j);
            FloatVector sig = VectorMath.exp(g.neg()).add(1.0f);
            FloatVector one = FloatVector.broadcast(S, 1.0f);
            g.mul(one.div(sig)).mul(FloatVector.fromArray(S, up, upOff + j)).intoArray(out, outOff + j);
        }
        for (; j < n; j++) {
            float g = gate[gateOff + j];
            g *= (1.0f / (1.0f + VectorMath.exp(-g)));
            out[outOff + j] = g * up[upOff + j];
        }
    }
}
