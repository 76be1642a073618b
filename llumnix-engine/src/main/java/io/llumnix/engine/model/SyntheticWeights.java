package io.llumnix.engine.model;

import io.llumnix.engine.kernel.ParallelFor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random weights for a {@link SyntheticSpec}: every matrix uniform in {@code ±0.02·√3} (standard deviation 0.02,
 * like GPT-style initialisation), RMSNorm weights 1, classifier tied to the embedding. Activations stay finite at
 * any depth because every sub-layer input is normalised. Generated in parallel in fixed 64K-float chunks, each
 * with its own generator seeded from (seed, tensor, chunk), so the weights depend only on the spec.
 */
final class SyntheticWeights {

    private static final float STD = 0.02f;
    private static final float HALF_WIDTH = (float) (STD * Math.sqrt(3.0));
    private static final int CHUNK = 1 << 16;

    private SyntheticWeights() {}

    static ModelWeights generate(SyntheticSpec spec) {
        ModelWeights w = ModelWeights.allocate(spec.shape(), true);
        long seed = spec.seed();
        int tensor = 0;
        fill(w.tokenEmbedding(), seed, tensor++);
        for (int l = 0; l < spec.numLayers(); l++) {
            Arrays.fill(w.rmsAtt()[l], 1.0f);
            Arrays.fill(w.rmsFfn()[l], 1.0f);
            fill(w.wqkv()[l], seed, tensor++);
            fill(w.wo()[l], seed, tensor++);
            fill(w.w13()[l], seed, tensor++);
            fill(w.w2()[l], seed, tensor++);
        }
        Arrays.fill(w.rmsFinal(), 1.0f);
        return w;
    }

    private static void fill(float[] a, long seed, int tensor) {
        int chunks = (a.length + CHUNK - 1) / CHUNK;
        ParallelFor.run(chunks, 4, (from, to) -> {
            for (int c = from; c < to; c++) {
                SplittableRandom rng = new SplittableRandom(mix(seed, tensor, c));
                int end = Math.min(a.length, (c + 1) * CHUNK);
                for (int i = c * CHUNK; i < end; i++) {
                    a[i] = (rng.nextFloat() * 2.0f - 1.0f) * HALF_WIDTH;
                }
            }
        });
    }

    private static long mix(long seed, int tensor, int chunk) {
        long z = seed * 0x9E3779B97F4A7C15L + ((long) tensor << 32 | (chunk & 0xFFFFFFFFL));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
