package io.llumnix.engine.kernel;

/**
 * The numeric building blocks of a Llama forward pass, in two interchangeable implementations: scalar Java
 * loops (the arithmetic of llama2.c's {@code run.c}) and SIMD on the incubating Vector API.
 *
 * <p><b>Determinism contract.</b> Every output element is computed by one fixed sequence of float operations
 * that depends only on the operands of that element, never on how many tokens are in the batch, where a token
 * sits in it, or how the work is split across threads. In particular {@link #matmul} gives bit-identical rows for
 * a token whether it is multiplied alone or among hundreds; this is what makes the engine's output independent of
 * batching (see {@code ModelExecutor}). The two implementations agree with each other only to rounding.
 *
 * <p>Implementations are stateless and thread-safe; {@link #matmul} itself runs on all cores (see
 * {@link ParallelFor}).
 */
public interface Kernels {

    /**
     * The kernels for a choice: {@link KernelChoice#AUTO} falls back to scalar when {@code jdk.incubator.vector}
     * is not in the boot layer; {@link KernelChoice#VECTOR} then fails with {@link IllegalStateException}.
     */
    static Kernels create(KernelChoice choice) {
        return switch (choice) {
            case SCALAR -> ScalarKernels.INSTANCE;
            case VECTOR -> {
                if (!vectorApiAvailable()) {
                    throw new IllegalStateException("vector kernels need the jdk.incubator.vector module;"
                            + " start the JVM with --add-modules jdk.incubator.vector");
                }
                yield VectorKernelsHolder.INSTANCE;
            }
            case AUTO -> vectorApiAvailable() ? VectorKernelsHolder.INSTANCE : ScalarKernels.INSTANCE;
        };
    }

    /** Whether the Vector API module was resolved into the boot layer (it is not by default). */
    static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Short name, e.g. {@code scalar} or {@code vector-512}. */
    String name();

    /** Packs a row-major {@code w[rows * cols]} for {@link #matmul}. May share {@code w}; do not modify it afterwards. */
    WeightMatrix pack(float[] w, int rows, int cols);

    /**
     * Batched matrix multiply {@code y[T, rows] = x[T, cols] · W[rows, cols]ᵀ}: every token row of {@code x}
     * times every weight row, reading each weight row once for the whole batch. Runs on all cores.
     *
     * @param x {@code numTokens} rows of {@code w.cols()} floats, contiguous
     * @param y receives {@code numTokens} rows of {@code w.rows()} floats, contiguous
     */
    void matmul(float[] x, int numTokens, WeightMatrix w, float[] y);

    /**
     * Attention scores of query heads {@code 0 .. numHeads-1} against {@code n} consecutive slots of one KV block,
     * whose keys are stored transposed, one {@code headSize × blockSize} matrix per KV head:
     * {@code out[outOff + i·outStride + s] = (Σ_j q[qOff + i·headSize + j] · kT[kOff + (i / kvMul)·headSize·blockSize
     * + j·blockSize + s]) / sqrtHeadSize} for {@code s < n}. Query head {@code i} reads KV head {@code i / kvMul}
     * (grouped-query attention).
     */
    void attentionScores(float[] q, int qOff, int numHeads, int kvMul, float[] kT, int kOff, int headSize, int blockSize, int n,
            float sqrtHeadSize, float[] out, int outOff, int outStride);

    /**
     * Weighted sum of value rows: {@code out[oOff + j] += Σ_s a[aOff + s] · v[vOff + s·vStride + j]} for
     * {@code j < width}, adding the rows {@code s = 0 .. n-1} in order (each element's sum continues from what
     * {@code out} holds, so consecutive blocks chain).
     */
    void attendValues(float[] a, int aOff, int n, float[] v, int vOff, int vStride, float[] out, int oOff, int width);

    /**
     * RMSNorm of one row as run.c: {@code out = weight ⊙ (x / sqrt(mean(x²) + 1e-5))}. Scalar in every
     * implementation: it is cheap, and the sequential sum keeps it bit-compatible with run.c.
     */
    default void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n) {
        float ss = 0.0f;
        for (int j = 0; j < n; j++) {
            float v = x[xOff + j];
            ss += v * v;
        }
        ss /= n;
        ss += 1e-5f;
        ss = 1.0f / (float) Math.sqrt(ss);
        for (int j = 0; j < n; j++) {
            out[outOff + j] = weight[j] * (ss * x[xOff + j]);
        }
    }

    /** In-place softmax of {@code x[off .. off + n)} (max-subtracted, as run.c; this default uses {@link Math#exp}). */
    default void softmax(float[] x, int off, int n) {
        float max = x[off];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0.0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] /= sum;
        }
    }

    /** SwiGLU: {@code out[j] = silu(gate[j]) · up[j]} with {@code silu(v) = v · (1 / (1 + e^-v))} (as run.c; this default uses {@link Math#exp}). */
    default void swiglu(float[] out, int outOff, float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int j = 0; j < n; j++) {
            float v = gate[gateOff + j];
            v *= (1.0f / (1.0f + (float) Math.exp(-v)));
            out[outOff + j] = v * up[upOff + j];
        }
    }
}

/** Defers loading the Vector API classes until someone asks for them, so a JVM without the module still works. */
final class VectorKernelsHolder {
    static final Kernels INSTANCE = new VectorKernels();

    private VectorKernelsHolder() {}
}
