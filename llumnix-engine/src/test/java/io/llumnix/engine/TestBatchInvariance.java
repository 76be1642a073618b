package io.llumnix.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: a request's tokens do not depend on what else runs with it. Each request is run alone, then
 * all of them together (32 concurrent, mixed lengths, chunked prefill), then together in a cache so small
 * that requests are preempted and recomputed — the tokens must be identical every time, greedy and
 * seeded-sampled alike. Seeds: 1..3.
 */
class TestBatchInvariance {

    record Spec(String id, int[] prompt, SamplingParams params, int priority) {}

    static List<Spec> workload(long seed, int n) {
        Random r = new Random(seed);
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(i % 4 == 0 ? 300 : 60);
            int[] prompt = new int[len];
            prompt[0] = 1;
            for (int k = 1; k < len; k++) {
                prompt[k] = 3 + r.nextInt(509);
            }
            int maxTokens = 1 + r.nextInt(Math.min(120, 511 - len));
            SamplingParams p = r.nextBoolean()
                    ? SamplingParams.greedy(maxTokens).withIgnoreEos(true)
                    : new SamplingParams(0.2 + r.nextDouble(), 0.5 + r.nextDouble() / 2, r.nextInt(3) * 20, OptionalLong.of(r.nextLong()),
                            maxTokens, List.of(), true);
            specs.add(new Spec("r" + i, prompt, p, r.nextInt(3)));
        }
        return specs;
    }

    static List<int[]> runTogether(LlmEngine engine, List<Spec> specs) {
        List<RequestRecorder> recs = new ArrayList<>();
        for (Spec s : specs) {
            RequestRecorder rec = new RequestRecorder();
            engine.submit(new GenerateRequest(s.id(), s.prompt(), s.params(), s.priority()), rec);
            recs.add(rec);
        }
        List<int[]> out = new ArrayList<>();
        for (RequestRecorder rec : recs) {
            rec.awaitFinish();
            out.add(rec.tokens());
        }
        TestLlmEngine.awaitNoUsedBlocks(engine);
        return out;
    }

    @Test
    void tokens_areIdentical_alone_inABatchOf32_andAfterPreemption() {
        for (long seed = 1; seed <= 3; seed++) {
            List<Spec> specs = workload(seed, 32);
            List<int[]> alone = new ArrayList<>();
            try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(1024).withPrefixCaching(false))) {
                for (Spec s : specs) {
                    alone.add(runTogether(engine, List.of(s)).getFirst());
                }
            }
            try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(1024).withMaxNumBatchedTokens(256))) {
                List<int[]> batched = runTogether(engine, specs);
                for (int i = 0; i < specs.size(); i++) {
                    assertThat(batched.get(i)).as("seed %d request %d in a batch", seed, i).containsExactly(alone.get(i));
                }
            }
            // 40 blocks of 16 = 640 tokens for 32 requests of up to ~420 tokens: preemption is certain.
            try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(40).withMaxNumBatchedTokens(128))) {
                List<int[]> squeezed = runTogether(engine, specs);
                assertThat(engine.snapshot().numPreemptions()).as("preemptions").isPositive();
                for (int i = 0; i < specs.size(); i++) {
                    assertThat(squeezed.get(i)).as("seed %d request %d after preemption", seed, i).containsExactly(alone.get(i));
                }
            }
        }
    }
}
