package io.llumnix.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.SamplingParams;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TestSampler {

    private static SamplingParams params(double temperature, double topP, int topK) {
        return new SamplingParams(temperature, topP, topK, OptionalLong.of(1), 10, List.of(), false);
    }

    @Test
    void greedy_picksLowestIdOnTie() {
        float[] logits = {1f, 3f, 3f, 2f};
        assertThat(Sampler.sample(logits, SamplingParams.greedy(1), SamplingRng.seeded(1))).isEqualTo(1);
    }

    @Test
    void topK1_isGreedyWhateverTheTemperature() {
        float[] logits = {0.1f, 0.5f, 4f, 0.2f};
        for (int seed = 0; seed < 50; seed++) {
            assertThat(Sampler.sample(logits, params(1.5, 1.0, 1), SamplingRng.seeded(seed))).isEqualTo(2);
        }
    }

    @Test
    void topP_smallMass_keepsOnlyTheTopToken() {
        float[] logits = {0f, 10f, 0f, 0f};
        for (int seed = 0; seed < 50; seed++) {
            assertThat(Sampler.sample(logits, params(1.0, 0.5, 0), SamplingRng.seeded(seed))).isEqualTo(1);
        }
    }

    @Test
    void sampling_followsTheDistribution() {
        float[] logits = {(float) Math.log(1), (float) Math.log(3)};
        SamplingRng rng = SamplingRng.seeded(7);
        int ones = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            ones += Sampler.sample(logits, params(1.0, 1.0, 0), rng);
        }
        assertThat(ones / (double) n).isBetween(0.73, 0.77);
    }

    @Test
    void rngState_restored_continuesTheSameStream() {
        SamplingRng a = SamplingRng.seeded(123);
        a.nextInt32();
        SamplingRng b = SamplingRng.restore(a.state());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextInt32()).isEqualTo(a.nextInt32());
        }
    }

    @Test
    void topIndices_partialSelection_matchesFullSort() {
        float[] logits = new float[200];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = r.nextInt(20);
        }
        int[] full = Sampler.topIndices(logits, logits.length);
        int[] top = Sampler.topIndices(logits, 17);
        assertThat(top).containsExactly(java.util.Arrays.copyOf(full, 17));
    }
}
