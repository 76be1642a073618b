package io.llumnix.sim.latency;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.core.FinishReason;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.sched.EngineCore;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The real engine step loop runs on the latency model: requests finish at max_tokens, time is the modelled time. */
class EngineOnLatencyModelTest {

    @Test
    void step_loop_generates_exactly_max_tokens_in_modelled_time() {
        LatencyProfile profile = LatencyProfile.llama7bA10();
        AtomicLong now = new AtomicLong();
        Clock clock = Clock.ofNanos(now::get);
        LatencyModelExecutor executor = new LatencyModelExecutor(profile, now::addAndGet);
        EngineCore engine = new EngineCore(profile.engineConfig(false, 1), executor,
                new SyntheticTokenizer(LatencyModelExecutor.DEFAULT_VOCAB_SIZE), clock);
        List<RequestEvent> events = new ArrayList<>();
        int[][] prompts = {prompt(100, 3), prompt(50, 4), prompt(20, 5)};
        int[] maxTokens = {5, 10, 3};
        for (int i = 0; i < 3; i++) {
            engine.add(new GenerateRequest("r" + i, prompts[i], SamplingParams.greedy(maxTokens[i]).withIgnoreEos(true), 0), events::add);
        }

        while (engine.hasWork()) {
            engine.step();
        }

        for (int i = 0; i < 3; i++) {
            String id = "r" + i;
            List<RequestEvent.Token> tokens = events.stream()
                    .filter(e -> e.requestId().equals(id) && e instanceof RequestEvent.Token).map(e -> (RequestEvent.Token) e).toList();
            assertThat(tokens).hasSize(maxTokens[i]).allMatch(t -> t.tokenId() == LatencyModelExecutor.DEFAULT_FAVOURED_TOKEN);
            assertThat(events).contains(new RequestEvent.Finished(id, FinishReason.LENGTH, "", prompts[i].length, maxTokens[i]));
        }
        // all three prompts fit one step (170 tokens), so every first token comes at the end of that step
        long firstStep = profile.stepNanos(170, 0, 0);
        assertThat(events.stream().filter(e -> e instanceof RequestEvent.Token t && t.index() == 0).map(e -> ((RequestEvent.Token) e).nanoTime()))
                .containsOnly(firstStep);
        assertThat(now.get()).isEqualTo(executor.modelledNanos());
        // one prefill step, then decode steps until the longest request (10 tokens) is done
        assertThat(executor.steps()).isEqualTo(10);
    }

    @Test
    void high_priority_request_preempts_normal_decodes_when_the_cache_is_full() {
        LatencyProfile profile = LatencyProfile.llama7bA10();
        AtomicLong now = new AtomicLong();
        Clock clock = Clock.ofNanos(now::get);
        EngineCore engine = new EngineCore(profile.engineConfig(false, 1), new LatencyModelExecutor(profile, now::addAndGet),
                new SyntheticTokenizer(LatencyModelExecutor.DEFAULT_VOCAB_SIZE), clock);
        List<String> preempted = new ArrayList<>();
        engine.setPreemptionObserver((id, tokens, t) -> preempted.add(id));
        List<RequestEvent> events = new ArrayList<>();
        // a normal request holds 751 of the 790 blocks; a high-priority one needing 63 blocks arrives
        engine.add(new GenerateRequest("normal", prompt(12_000, 1), SamplingParams.greedy(20).withIgnoreEos(true), 0), events::add);
        engine.step();
        engine.add(new GenerateRequest("high", prompt(1000, 2), SamplingParams.greedy(2).withIgnoreEos(true), 1), events::add);
        engine.step();

        assertThat(preempted).containsExactly("normal");
        assertThat(events).anyMatch(e -> e instanceof RequestEvent.Token t && t.requestId().equals("high") && t.index() == 0);
        while (engine.hasWork()) {
            engine.step();
        }
        assertThat(events).contains(new RequestEvent.Finished("normal", FinishReason.LENGTH, "", 12_000, 20));
    }

    @Test
    void normal_request_waits_for_blocks_without_preempting_its_peers() {
        LatencyProfile profile = LatencyProfile.llama7bA10();
        AtomicLong now = new AtomicLong();
        EngineCore engine = new EngineCore(profile.engineConfig(false, 1), new LatencyModelExecutor(profile, now::addAndGet),
                new SyntheticTokenizer(LatencyModelExecutor.DEFAULT_VOCAB_SIZE), Clock.ofNanos(now::get));
        List<String> preempted = new ArrayList<>();
        engine.setPreemptionObserver((id, tokens, t) -> preempted.add(id));
        engine.add(new GenerateRequest("first", prompt(12_000, 1), SamplingParams.greedy(20).withIgnoreEos(true), 0), e -> { });
        engine.step();
        engine.add(new GenerateRequest("second", prompt(1000, 2), SamplingParams.greedy(2).withIgnoreEos(true), 0), e -> { });
        engine.step();

        assertThat(preempted).isEmpty();
        assertThat(engine.snapshot().numWaiting()).isEqualTo(1);
    }

    private static int[] prompt(int n, int salt) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = 3 + (i * 31 + salt * 17) % 256; // byte tokens of the synthetic tokenizer
        }
        return p;
    }
}
