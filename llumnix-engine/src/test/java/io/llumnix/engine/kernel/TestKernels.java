package io.llumnix.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Scalar and vector kernels agree to rounding; each is batch-invariant bit for bit. */
class TestKernels {

    private static final Kernels SCALAR = Kernels.create(KernelChoice.SCALAR);
    private static final Kernels VECTOR = Kernels.create(KernelChoice.VECTOR);

    @Test
    void create_auto_picksVectorWhenModulePresent() {
        assertThat(Kernels.vectorApiAvailable()).as("surefire adds --add-modules jdk.incubator.vector").isTrue();
        assertThat(Kernels.create(KernelChoice.AUTO).name()).startsWith("vector-");
        assertThat(SCALAR.name()).isEqualTo("scalar");
    }

    @ParameterizedTest
    @CsvSource({"1, 64, 64", "3, 172, 64", "7, 64, 172", "37, 300, 129", "70, 130, 96"})
    void matmul_randomData_scalarAndVectorAgree(int tokens, int rows, int cols) {
        SplittableRandom rng = new SplittableRandom(rows * 31L + cols);
        float[] w = random(rng, rows * cols);
        float[] x = random(rng, tokens * cols);
        float[] ys = new float[tokens * rows];
        float[] yv = new float[tokens * rows];

        SCALAR.matmul(x, tokens, SCALAR.pack(w, rows, cols), ys);
        VECTOR.matmul(x, tokens, VECTOR.pack(w, rows, cols), yv);

        for (int i = 0; i < ys.length; i++) {
            assertThat(yv[i]).as("y[%d]", i).isCloseTo(ys[i], within(1e-4f));
        }
        // Spot-check against a double-precision reference.
        for (int t = 0; t < tokens; t += Math.max(1, tokens / 3)) {
            for (int r = 0; r < rows; r += 17) {
                double ref = 0;
                for (int i = 0; i < cols; i++) {
                    ref += (double) w[r * cols + i] * x[t * cols + i];
                }
                assertThat((double) yv[t * rows + r]).isCloseTo(ref, within(1e-4));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void matmul_tokenAloneOrInAnyBatch_isBitIdentical(KernelChoice choice) {
        Kernels k = Kernels.create(choice);
        int rows = 1000; // large enough that big batches go parallel and small ones run inline
        int cols = 200;
        SplittableRandom rng = new SplittableRandom(7);
        WeightMatrix w = k.pack(random(rng, rows * cols), rows, cols);
        float[] token = random(rng, cols);
        float[] alone = new float[rows];
        k.matmul(token, 1, w, alone);

        for (int batch : new int[] {2, 5, 7, 64, 129}) {
            for (int at : new int[] {0, batch / 2, batch - 1}) {
                float[] x = random(rng, batch * cols);
                System.arraycopy(token, 0, x, at * cols, cols);
                float[] y = new float[batch * rows];
                k.matmul(x, batch, w, y);

                assertThat(Arrays.copyOfRange(y, at * rows, (at + 1) * rows)).as("batch %d, position %d", batch, at).isEqualTo(alone);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"8, 16, 1, 1, 1", "8, 16, 16, 8, 2", "8, 16, 9, 3, 1", "64, 16, 13, 4, 4", "64, 32, 32, 2, 1", "64, 8, 5, 3, 3",
            "12, 20, 19, 5, 5", "64, 20, 17, 2, 2"})
    void attentionScores_randomData_scalarAndVectorAgree(int headSize, int blockSize, int n, int numHeads, int kvMul) {
        SplittableRandom rng = new SplittableRandom(headSize * 1000L + blockSize * 10L + n);
        int kvHeads = (numHeads + kvMul - 1) / kvMul;
        float[] q = random(rng, numHeads * headSize + 3);
        float[] kT = random(rng, kvHeads * headSize * blockSize + 5);
        float sqrt = (float) Math.sqrt(headSize);
        int stride = n + 3;
        float[] s = new float[2 + numHeads * stride];
        float[] v = new float[s.length];

        SCALAR.attentionScores(q, 3, numHeads, kvMul, kT, 5, headSize, blockSize, n, sqrt, s, 2, stride);
        VECTOR.attentionScores(q, 3, numHeads, kvMul, kT, 5, headSize, blockSize, n, sqrt, v, 2, stride);

        for (int h = 0; h < numHeads; h++) {
            for (int i = 0; i < n; i++) {
                assertThat(v[2 + h * stride + i]).as("head %d slot %d", h, i).isCloseTo(s[2 + h * stride + i], within(1e-5f));
                double ref = 0;
                for (int j = 0; j < headSize; j++) {
                    ref += (double) q[3 + h * headSize + j] * kT[5 + (h / kvMul) * headSize * blockSize + j * blockSize + i];
                }
                assertThat((double) v[2 + h * stride + i]).isCloseTo(ref / sqrt, within(1e-5));
            }
            for (int i = n; i < stride; i++) {
                assertThat(v[2 + h * stride + i]).as("untouched beyond n").isZero();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"8, 3", "64, 16", "67, 9", "128, 5", "16, 1"})
    void attendValues_randomData_scalarAndVectorAgree(int width, int n) {
        SplittableRandom rng = new SplittableRandom(width * 100L + n);
        float[] a = random(rng, n + 1);
        int stride = width + 7;
        float[] v = random(rng, 2 + n * stride);
        float[] outS = random(rng, width + 4);
        float[] outV = outS.clone();

        SCALAR.attendValues(a, 1, n, v, 2, stride, outS, 4, width);
        VECTOR.attendValues(a, 1, n, v, 2, stride, outV, 4, width);

        for (int j = 0; j < outS.length; j++) {
            assertThat(outV[j]).isCloseTo(outS[j], within(1e-5f));
        }
    }

    @Test
    void exp_vectorLanesAndScalar_areBitIdenticalAndWithinTwoUlp() {
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        SplittableRandom rng = new SplittableRandom(11);
        float[] x = new float[species.length() * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 180 - 90);
        }
        x[0] = 0;
        x[1] = -0.0f;
        x[2] = 88.0f;
        x[3] = -87.3f;
        float[] lanes = new float[x.length];
        for (int i = 0; i < x.length; i += species.length()) {
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(species, x, i)).intoArray(lanes, i);
        }
        for (int i = 0; i < x.length; i++) {
            float scalar = VectorMath.exp(x[i]);
            assertThat(lanes[i]).as("exp(%s)", x[i]).isEqualTo(scalar);
            assertThat(Float.isFinite(scalar) && scalar > 0).isTrue();
            if (x[i] > -87 && x[i] < 88) {
                float exact = (float) Math.exp(x[i]);
                assertThat(Math.abs(scalar - exact)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(exact));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "15", "16", "129", "700"})
    void softmaxAndSwiglu_randomData_scalarAndVectorAgree(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        float[] s = new float[n + 1];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (rng.nextDouble() * 40 - 20);
        }
        float[] v = s.clone();
        SCALAR.softmax(s, 1, n);
        VECTOR.softmax(v, 1, n);
        for (int i = 1; i <= n; i++) {
            assertThat(v[i]).isCloseTo(s[i], within(1e-6f));
        }
        float[] gate = random(rng, n);
        float[] up = random(rng, n);
        for (int i = 0; i < n; i++) {
            gate[i] *= 12;
        }
        float[] os = new float[n];
        float[] ov = new float[n];
        SCALAR.swiglu(os, 0, gate, 0, up, 0, n);
        VECTOR.swiglu(ov, 0, gate, 0, up, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(ov[i]).isCloseTo(os[i], within(1e-5f));
        }
    }

    @Test
    void rmsnorm_unitWeights_normalisesToUnitRms() {
        float[] x = {3, -4, 0, 1};
        float[] out = new float[4];

        VECTOR.rmsnorm(out, 0, x, 0, new float[] {1, 1, 1, 1}, 4);

        double ms = 0;
        for (float v : out) {
            ms += v * v;
        }
        assertThat(ms / 4).isCloseTo(1.0, within(1e-4));
    }

    @Test
    void softmax_anyInput_sumsToOneAndKeepsOrder() {
        float[] x = {1, 3, 2, -50};

        SCALAR.softmax(x, 0, 4);

        assertThat(x[0] + x[1] + x[2] + x[3]).isCloseTo(1.0f, within(1e-6f));
        assertThat(x[1]).isGreaterThan(x[2]);
        assertThat(x[2]).isGreaterThan(x[0]);
    }

    @Test
    void swiglu_knownValues_matchDefinition() {
        float[] out = new float[2];

        SCALAR.swiglu(out, 0, new float[] {0, 2}, 0, new float[] {5, 3}, 0, 2);

        assertThat(out[0]).isZero();
        assertThat(out[1]).isCloseTo((float) (2 / (1 + Math.exp(-2)) * 3), within(1e-6f));
    }

    @Test
    void rope_positionZero_isIdentityAndRotationPreservesNorm() {
        float[] cos = new float[4];
        float[] sin = new float[4];
        float[] v = {1, 2, 3, 4, 5, 6, 7, 8};
        Rope.angles(0, 8, cos, sin, 0);
        float[] same = v.clone();
        Rope.rotate(same, 0, 8, 8, cos, sin, 0);
        assertThat(same).containsExactly(v);

        Rope.angles(17, 8, cos, sin, 0);
        float[] rotated = v.clone();
        Rope.rotate(rotated, 0, 8, 8, cos, sin, 0);
        for (int i = 0; i < 8; i += 2) {
            assertThat(Math.hypot(rotated[i], rotated[i + 1])).isCloseTo(Math.hypot(v[i], v[i + 1]), within(1e-5));
        }
        assertThat(rotated[0]).isCloseTo((float) (Math.cos(17) * 1 - Math.sin(17) * 2), within(1e-5f));
    }

    @Test
    void matmul_matrixPackedByOtherKernels_rejects() {
        WeightMatrix scalarPacked = SCALAR.pack(new float[16], 4, 4);

        assertThatThrownBy(() -> VECTOR.matmul(new float[4], 1, scalarPacked, new float[4]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scalar");
    }

    @Test
    void parallelFor_exceptionInChunk_propagatesToCaller() {
        assertThatThrownBy(() -> ParallelFor.run(1000, 1, (from, to) -> {
            if (from <= 500 && 500 < to) {
                throw new IllegalStateException("boom");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    }

    @Test
    void parallelFor_manyRuns_coverEveryIndexExactlyOnce() {
        for (int round = 0; round < 200; round++) {
            int n = 1 + round * 7;
            int[] hits = new int[n];
            ParallelFor.run(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    hits[i]++;
                }
            });
            assertThat(hits).as("round %d", round).containsOnly(1);
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
