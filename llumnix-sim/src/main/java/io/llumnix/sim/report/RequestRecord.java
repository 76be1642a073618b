package io.llumnix.sim.report;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.Priority;

/**
 * What happened to one request in a run, as absolute times on the run's clock (nanoseconds); the latencies the
 * paper reports derive from them.
 *
 * <p>Preemption loss is the paper's: the time a request lost to preemptions, i.e. the re-queueing wait plus the
 * recomputation of its context, summed over its preemptions (0 when never preempted).
 *
 * @param requestId the workload request id
 * @param priority its priority
 * @param promptTokens prompt length
 * @param outputTokens tokens generated
 * @param arrivalNanos when it arrived at the gateway
 * @param firstTokenNanos when its first output token was produced
 * @param finishNanos when its last output token was produced
 * @param preemptions times it was preempted
 * @param preemptionLossNanos time lost to those preemptions
 * @param migrations times it was live-migrated
 */
public record RequestRecord(
        long requestId,
        Priority priority,
        int promptTokens,
        int outputTokens,
        long arrivalNanos,
        long firstTokenNanos,
        long finishNanos,
        int preemptions,
        long preemptionLossNanos,
        int migrations) {

    public RequestRecord {
        requireNonNull(priority, "priority is null");
        if (firstTokenNanos < arrivalNanos || finishNanos < firstTokenNanos) {
            throw new IllegalArgumentException("request " + requestId + " times out of order: arrival " + arrivalNanos
                    + ", first token " + firstTokenNanos + ", finish " + finishNanos);
        }
        if (promptTokens < 1 || outputTokens < 1 || preemptions < 0 || preemptionLossNanos < 0 || migrations < 0) {
            throw new IllegalArgumentException("request " + requestId + " has a negative or empty count: " + promptTokens + " prompt, "
                    + outputTokens + " output, " + preemptions + " preemptions, " + preemptionLossNanos + " ns lost, " + migrations + " migrations");
        }
    }

    /** Time to first token, queueing included (the paper's prefill latency). */
    public double ttftMs() {
        return (firstTokenNanos - arrivalNanos) / 1e6;
    }

    /** Mean time per output token after the first (the paper's decode latency); 0 for a single-token output. */
    public double meanTpotMs() {
        return outputTokens <= 1 ? 0 : (finishNanos - firstTokenNanos) / 1e6 / (outputTokens - 1);
    }

    /** End-to-end latency from arrival to the last token. */
    public double e2eMs() {
        return (finishNanos - arrivalNanos) / 1e6;
    }

    public double preemptionLossMs() {
        return preemptionLossNanos / 1e6;
    }
}
