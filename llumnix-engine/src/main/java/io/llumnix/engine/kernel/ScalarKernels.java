package io.llumnix.engine.kernel;

import static java.util.Objects.requireNonNull;

/**
 * Plain Java loops with llama2.c's {@code run.c} arithmetic: each matmul output is a sequential sum
 * {@code s += w[i] * x[i]} over a row-major weight row (round after the multiply, round after the add, no FMA),
 * which is what {@code gcc -O2} does on x86-64. It is the baseline the vector kernels are measured against.
 *
 * <p>Stateless; thread-safe.
 */
final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();
    static final String NAME = "scalar";

    /** Multiply-adds below which a matmul chunk is not worth handing to another thread. */
    private static final long GRAIN_FLOPS = 1L << 16;

    private ScalarKernels() {}

    /** The row-major weights as given (no copy). */
    record RowMajor(float[] data, int rows, int cols) implements WeightMatrix {
        RowMajor {
            requireNonNull(data, "data is null");
            if ((long) rows * cols > data.length) {
                throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + (long) rows * cols
                        + " floats, array has " + data.length);
            }
        }

        @Override
        public String kernelName() {
            return NAME;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WeightMatrix pack(float[] w, int rows, int cols) {
        return new RowMajor(w, rows, cols);
    }

    @Override
    public void matmul(float[] x, int numTokens, WeightMatrix w, float[] y) {
        if (!(w instanceof RowMajor m)) {
            throw new IllegalArgumentException("matrix packed by " + w.kernelName() + " used with " + NAME + " kernels");
        }
        int rows = m.rows();
        int cols = m.cols();
        float[] data = m.data();
        long flopsPerRow = (long) numTokens * cols;
        int minRows = (int) Math.max(1, GRAIN_FLOPS / Math.max(1, flopsPerRow));
        ParallelFor.run(rows, minRows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int wOff = r * cols;
                for (int t = 0; t < numTokens; t++) {
                    int xOff = t * cols;
                    float val = 0.0f;
                    for (int i = 0; i < cols; i++) {
                        val += data[wOff + i] * x[xOff + i];
                    }
                    y[t * rows + r] = val;
                }
            }
        });
    }

    @Override
    public void attentionScores(float[] q, int qOff, int numHeads, int kvMul, float[] kT, int kOff, int headSize, int blockSize, int n,
            float sqrtHeadSize, float[] out, int outOff, int outStride) {
        for (int i = 0; i < numHeads; i++) {
            int qh = qOff + i * headSize;
            int kh = kOff + (i / kvMul) * headSize * blockSize;
            int oh = outOff + i * outStride;
            for (int s = 0; s < n; s++) {
                float score = 0.0f;
                for (int j = 0; j < headSize; j++) {
                    score += q[qh + j] * kT[kh + j * blockSize + s];
                }
                out[oh + s] = score / sqrtHeadSize;
            }
        }
    }

    @Override
    public void attendValues(float[] a, int aOff, int n, float[] v, int vOff, int vStride, float[] out, int oOff, int width) {
        for (int s = 0; s < n; s++) {
            float w = a[aOff + s];
            int row = vOff + s * vStride;
            for (int j = 0; j < width; j++) {
                out[oOff + j] += w * v[row + j];
            }
        }
    }
}
