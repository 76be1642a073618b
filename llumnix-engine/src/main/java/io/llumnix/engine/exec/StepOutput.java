package io.llumnix.engine.exec;

import java.util.List;

/**
 * The result of a step: for chunk {@code i} of the batch, {@code logits.get(i)} holds its last token's
 * logits (length = vocab size) when the chunk asked for them, and an empty array otherwise.
 *
 * @param logits one entry per chunk, in batch order
 * @param elapsedNanos time the step took (measured, or modelled by a latency model)
 */
public record StepOutput(List<float[]> logits, long elapsedNanos) {

    public static final float[] NO_LOGITS = new float[0];

    public StepOutput {
        logits = List.copyOf(logits);
    }
}
