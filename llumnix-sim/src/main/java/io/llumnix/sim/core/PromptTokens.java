package io.llumnix.sim.core;

import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import io.llumnix.sim.latency.LatencyModelExecutor;
import io.llumnix.sim.workload.TraceRequest;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Token ids for a simulated prompt. The engine's prefix cache works on token content, so ids are generated per
 * request: blocks covered by the trace's shared-prefix hashes (Mooncake) are filled from their hash, so requests that
 * share a prefix share exactly those tokens; everything else comes from a generator seeded by the run's seed and the
 * request id, so distinct requests never share a block by accident. Stateless.
 */
final class PromptTokens {

    /** Ids are drawn from the synthetic tokenizer's made-up words, never BOS or EOS. */
    private static final int FIRST_ID = SyntheticTokenizer.MIN_VOCAB_SIZE - 256;

    private PromptTokens() {}

    static int[] of(TraceRequest r, long seed, int blockTokens) {
        int n = r.promptTokens();
        int[] out = new int[n];
        int range = LatencyModelExecutor.DEFAULT_VOCAB_SIZE - FIRST_ID;
        int from = 0;
        if (!r.prefix().isEmpty()) {
            List<Long> hashes = r.prefix().rehash(blockTokens, n);
            for (int b = 0; b < hashes.size(); b++) {
                SplittableRandom rng = new SplittableRandom(hashes.get(b) ^ seed);
                for (int k = 0; k < blockTokens; k++) {
                    out[from++] = FIRST_ID + rng.nextInt(range);
                }
            }
        }
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + r.id());
        for (int i = from; i < n; i++) {
            out[i] = FIRST_ID + rng.nextInt(range);
        }
        return out;
    }
}
