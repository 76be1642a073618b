package io.llumnix.engine.exec;

import java.util.List;

/** Everything one engine step computes, in the step loop's order. */
public record StepBatch(List<SequenceChunk> chunks) {

    public StepBatch {
        chunks = List.copyOf(chunks);
    }

    public int numTokens() {
        int n = 0;
        for (SequenceChunk c : chunks) {
            n += c.tokens().length;
        }
        return n;
    }
}
