package io.llumnix.engine.sampling;

import io.llumnix.core.SamplingParams;

/**
 * Picks the next token from logits: greedy argmax (lowest id wins a tie, as run.c), or temperature
 * scaling followed by top-k and top-p (nucleus) truncation and one draw from the request's own
 * {@link SamplingRng}. Deterministic for a given logits array, parameters and RNG state.
 *
 * <p>Stateless and thread-safe; scratch arrays are allocated per call.
 */
public final class Sampler {

    private Sampler() {}

    public static int sample(float[] logits, SamplingParams params, SamplingRng rng) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        int k = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        // Candidate ids sorted by logit descending (stable on id) — only the top k are needed.
        int[] ids = topIndices(logits, k);
        double inv = 1.0 / params.temperature();
        double max = logits[ids[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp((logits[ids[i]] - max) * inv);
            sum += p[i];
        }
        int keep = k;
        if (params.topP() < 1.0) {
            double cum = 0;
            for (int i = 0; i < k; i++) {
                cum += p[i] / sum;
                if (cum >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += p[i];
        }
        double r = rng.nextFloat() * mass;
        double cdf = 0;
        for (int i = 0; i < keep; i++) {
            cdf += p[i];
            if (r < cdf) {
                return ids[i];
            }
        }
        return ids[keep - 1];
    }

    public static int argmax(float[] logits) {
        int best = 0;
        float bestValue = logits[0];
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > bestValue) {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    /** Ids of the {@code k} largest logits, descending; ties by lower id first. */
    static int[] topIndices(float[] logits, int k) {
        int n = logits.length;
        if (k == n) {
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            java.util.Arrays.sort(boxed, (a, b) -> {
                int c = Float.compare(logits[b], logits[a]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = boxed[i];
            }
            return out;
        }
        // Partial selection: keep a sorted array of the best k seen so far.
        int[] best = new int[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (size == k && v <= logits[best[k - 1]]) {
                continue;
            }
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && logits[best[pos - 1]] < v) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
        }
        return best;
    }
}
