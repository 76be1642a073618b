package io.llumnix.sim.workload;

import static java.util.Objects.requireNonNull;

/**
 * One request of a workload. The simulator submits it at {@code arrivalNanos} with {@code max_tokens =
 * outputTokens} and {@code ignore_eos}, so it generates exactly {@code outputTokens} tokens.
 *
 * @param id position in the workload's source (row index for traces), unique within a workload
 * @param arrivalNanos arrival time since the start of the workload
 * @param promptTokens prompt length, at least 1
 * @param outputTokens output length, at least 1
 * @param priority scheduling priority
 * @param prefix shared-prefix block hashes, {@link PrefixBlocks#NONE} when the source has none
 */
public record TraceRequest(long id, long arrivalNanos, int promptTokens, int outputTokens, Priority priority, PrefixBlocks prefix) {

    public TraceRequest {
        requireNonNull(priority, "priority is null");
        requireNonNull(prefix, "prefix is null");
        if (arrivalNanos < 0) {
            throw new IllegalArgumentException("request " + id + " arrives at negative time " + arrivalNanos);
        }
        if (promptTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("request " + id + " needs at least 1 prompt and 1 output token, got "
                    + promptTokens + " and " + outputTokens);
        }
        if (!prefix.isEmpty() && prefix.hashes().size() > ceilDiv(promptTokens, prefix.blockTokens())) {
            throw new IllegalArgumentException("request " + id + " has " + prefix.hashes().size() + " prefix blocks of "
                    + prefix.blockTokens() + " tokens for only " + promptTokens + " prompt tokens");
        }
    }

    /** A normal-priority request without prefix information. */
    public static TraceRequest of(long id, long arrivalNanos, int promptTokens, int outputTokens) {
        return new TraceRequest(id, arrivalNanos, promptTokens, outputTokens, Priority.NORMAL, PrefixBlocks.NONE);
    }

    public RequestLength length() {
        return new RequestLength(promptTokens, outputTokens);
    }

    public TraceRequest withArrivalNanos(long newArrivalNanos) {
        return new TraceRequest(id, newArrivalNanos, promptTokens, outputTokens, priority, prefix);
    }

    public TraceRequest withPriority(Priority newPriority) {
        return new TraceRequest(id, arrivalNanos, promptTokens, outputTokens, newPriority, prefix);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
