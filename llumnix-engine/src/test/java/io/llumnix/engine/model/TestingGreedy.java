package io.llumnix.engine.model;

import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import java.util.Arrays;
import java.util.List;

/** A greedy generation loop driven directly through a {@link ModelExecutor}, with a contiguous block table. */
final class TestingGreedy {

    private TestingGreedy() {}

    /** Block table 0, 1, 2, … covering {@code positions}. */
    static int[] contiguousTable(int positions, int blockSize, int firstBlock) {
        int[] table = new int[(positions + blockSize - 1) / blockSize];
        for (int i = 0; i < table.length; i++) {
            table[i] = firstBlock + i;
        }
        return table;
    }

    /**
     * run.c's generate loop with temperature 0 for {@code steps} positions: the prompt is computed as one prefill
     * chunk, then one token per step; returns the generated ids ({@code steps - prompt.length + 1} of them).
     */
    static int[] generate(ModelExecutor executor, int[] prompt, int steps, int blockSize) {
        int[] table = contiguousTable(steps + 1, blockSize, 0);
        int generatedCount = steps - prompt.length + 1;
        int[] out = new int[generatedCount];
        float[] logits = executor.execute(new StepBatch(List.of(new SequenceChunk(1, prompt, 0, table, true)))).logits().get(0);
        int pos = prompt.length;
        for (int i = 0; i < generatedCount; i++) {
            int next = argmax(logits);
            out[i] = next;
            if (i + 1 < generatedCount) {
                logits = executor.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {next}, pos, table, true)))).logits().get(0);
                pos++;
            }
        }
        return out;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] ids(String spaceSeparated) {
        return Arrays.stream(spaceSeparated.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }
}
