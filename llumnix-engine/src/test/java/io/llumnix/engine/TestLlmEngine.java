package io.llumnix.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.FinishReason;
import io.llumnix.core.LlumnixException;
import io.llumnix.core.SamplingParams;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TestLlmEngine {

    static final int[] PROMPT_B = {1, 403, 407, 261, 378};
    static final int[] GOLDEN_B = {
        432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
        411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
        338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};
    static final String GOLDEN_B_TEXT = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, "
            + "red ball. She wanted to play with it, but it was too high.\nLily";

    static void awaitNoUsedBlocks(LlmEngine engine) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (engine.snapshot().numUsedBlocks() != 0 || engine.snapshot().numRunning() + engine.snapshot().numWaiting() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("blocks leaked: " + engine.snapshot());
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void greedy_promptB_matchesGoldenTokensAndText() {
        try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(256))) {
            RequestRecorder r = new RequestRecorder();
            engine.submit(new GenerateRequest("b", PROMPT_B, SamplingParams.greedy(60), 0), r);
            assertThat(r.awaitFinish()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.tokens()).containsExactly(GOLDEN_B);
            assertThat(r.text()).isEqualTo(GOLDEN_B_TEXT);
            awaitNoUsedBlocks(engine);
        }
    }

    @Test
    void abort_midDecode_finishesWithAbortAndFreesBlocks() throws Exception {
        try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(256))) {
            RequestRecorder r = new RequestRecorder() {
                @Override
                public synchronized void onEvent(RequestEvent event) {
                    super.onEvent(event);
                    if (event instanceof RequestEvent.Token t && t.index() == 3) {
                        engine.abort("a");
                    }
                }
            };
            engine.submit(new GenerateRequest("a", PROMPT_B, SamplingParams.greedy(400).withIgnoreEos(true), 0), r);
            assertThat(r.awaitFinish()).isEqualTo(FinishReason.ABORT);
            assertThat(r.tokens().length).isLessThan(400);
            awaitNoUsedBlocks(engine);
        }
    }

    @Test
    void stopString_endsGeneration_andIsNotEmitted() {
        try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(256))) {
            RequestRecorder r = new RequestRecorder();
            SamplingParams p = new SamplingParams(0, 1, 0, OptionalLong.empty(), 60, List.of("Lily"), false);
            engine.submit(new GenerateRequest("s", PROMPT_B, p, 0), r);
            assertThat(r.awaitFinish()).isEqualTo(FinishReason.STOP);
            assertThat(r.text()).isEqualTo(", there was a little girl named ");
            awaitNoUsedBlocks(engine);
        }
    }

    @Test
    void invalidRequests_areRefusedSynchronously_andTheEngineKeepsServing() {
        try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(256))) {
            assertThatThrownBy(() -> engine.submit(new GenerateRequest("e", new int[0], SamplingParams.greedy(5), 0), new RequestRecorder()))
                    .isInstanceOf(LlumnixException.class).hasMessageContaining("empty");
            assertThatThrownBy(() -> engine.submit(new GenerateRequest("v", new int[] {1, 9999}, SamplingParams.greedy(5), 0),
                    new RequestRecorder())).hasMessageContaining("vocabulary");
            assertThatThrownBy(() -> engine.submit(new GenerateRequest("l", PROMPT_B, SamplingParams.greedy(600), 0), new RequestRecorder()))
                    .isInstanceOfSatisfying(LlumnixException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONTEXT_LENGTH_EXCEEDED));
            RequestRecorder ok = new RequestRecorder();
            engine.submit(new GenerateRequest("ok", PROMPT_B, SamplingParams.greedy(5), 0), ok);
            assertThat(ok.awaitFinish()).isEqualTo(FinishReason.LENGTH);
            assertThat(ok.tokens()).containsExactly(432, 383, 286, 261, 376);
        }
    }

    @Test
    void samePromptTwice_hitsThePrefixCache_andGivesTheSameTokens() {
        int[] prompt = new int[100];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 259 + (i * 7) % 250;
        }
        try (LlmEngine engine = TestingModels.startStories(TestingModels.storiesConfig(256))) {
            RequestRecorder first = new RequestRecorder();
            engine.submit(new GenerateRequest("p1", prompt, SamplingParams.greedy(20).withIgnoreEos(true), 0), first);
            first.awaitFinish();
            RequestRecorder second = new RequestRecorder();
            engine.submit(new GenerateRequest("p2", prompt, SamplingParams.greedy(20).withIgnoreEos(true), 0), second);
            second.awaitFinish();
            assertThat(second.tokens()).containsExactly(first.tokens());
            awaitNoUsedBlocks(engine);
            // 100 tokens = 6 full blocks of 16 reusable on the second pass.
            assertThat(engine.snapshot().prefixCacheHitTokens()).isEqualTo(96);
            assertThat(engine.snapshot().numCachedFreeBlocks()).isPositive();
        }
    }
}
