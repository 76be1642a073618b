package io.llumnix.sim.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyModelExecutorTest {

    private final LatencyProfile profile = LatencyProfile.llama7bA10();

    @Test
    void mixed_batch_is_priced_as_prefill_plus_decode_terms() {
        try (LatencyModelExecutor exec = new LatencyModelExecutor(profile)) {
            StepOutput out = exec.execute(new StepBatch(List.of(
                    chunk(1, 0, 500, true),      // whole prompt
                    chunk(2, 256, 100, false),   // middle prefill chunk
                    chunk(3, 99, 1, true),       // decode attending 100 tokens
                    chunk(4, 299, 1, true))));   // decode attending 300 tokens

            assertThat(out.elapsedNanos()).isEqualTo(profile.stepNanos(600, 2, 400));
            assertThat(exec.steps()).isEqualTo(1);
            assertThat(exec.modelledNanos()).isEqualTo(out.elapsedNanos());
            assertThat(exec.kvStorage()).isEmpty();
        }
    }

    @Test
    void logits_pick_the_favoured_token_only_where_asked() {
        LatencyModelExecutor exec = new LatencyModelExecutor(profile);
        StepOutput out = exec.execute(new StepBatch(List.of(chunk(1, 0, 10, false), chunk(2, 10, 1, true))));

        assertThat(out.logits().get(0)).isEmpty();
        float[] logits = out.logits().get(1);
        assertThat(logits).hasSize(exec.shape().vocabSize());
        int argmax = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[argmax]) {
                argmax = i;
            }
        }
        assertThat(argmax).isEqualTo(LatencyModelExecutor.DEFAULT_FAVOURED_TOKEN).isNotEqualTo(2).isGreaterThanOrEqualTo(259);
        // callers get their own copy
        logits[argmax] = -1;
        assertThat(exec.execute(new StepBatch(List.of(chunk(2, 11, 1, true)))).logits().get(0)[argmax]).isEqualTo(30f);
    }

    @Test
    void same_chunk_costs_and_logits_do_not_depend_on_batch_neighbours() {
        LatencyModelExecutor exec = new LatencyModelExecutor(profile);
        float[] alone = exec.execute(new StepBatch(List.of(chunk(1, 5, 1, true)))).logits().get(0);
        float[] shared = exec.execute(new StepBatch(List.of(chunk(2, 0, 300, true), chunk(1, 5, 1, true)))).logits().get(1);
        assertThat(shared).isEqualTo(alone);
    }

    @Test
    void positions_beyond_the_context_window_are_rejected() {
        LatencyModelExecutor exec = new LatencyModelExecutor(profile);
        assertThatThrownBy(() -> exec.execute(new StepBatch(List.of(chunk(9, profile.maxSeqLen(), 1, true)))))
                .hasMessageContaining("sequence 9").hasMessageContaining("context window");
        assertThatThrownBy(() -> new LatencyModelExecutor(profile, exec.shape(), exec.shape().vocabSize(), n -> { })).hasMessageContaining("outside the vocabulary");
    }

    private static SequenceChunk chunk(long seq, int start, int n, boolean logits) {
        int[] tokens = new int[n];
        java.util.Arrays.fill(tokens, 5);
        return new SequenceChunk(seq, tokens, start, new int[(start + n + 15) / 16], logits);
    }
}
