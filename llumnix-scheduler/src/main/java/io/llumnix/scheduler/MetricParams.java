package io.llumnix.scheduler;

/**
 * Coefficients some metrics need: a linear latency model for {@code predicted_ttft} / {@code predicted_tpot}
 * (the same shape as the simulator's latency model: prefill ∝ tokens, decode = a·batch + b·Σlen + c) and the
 * high-priority headroom of the paper's virtual usage. Immutable.
 *
 * @param prefillMsPerToken prefill cost per uncached prompt token
 * @param decodeMsPerSequence decode step cost per sequence in the batch (a)
 * @param decodeMsPerKiloToken decode step cost per thousand context tokens in the batch (b)
 * @param decodeMsBase fixed decode step cost (c)
 * @param priorityHeadroomTokens virtual usage added to an instance that holds high-priority requests, so that
 *     it looks less free and keeps room for them ({@code --priority-headroom-tokens})
 */
public record MetricParams(
        double prefillMsPerToken,
        double decodeMsPerSequence,
        double decodeMsPerKiloToken,
        double decodeMsBase,
        long priorityHeadroomTokens) {

    public MetricParams {
        check(prefillMsPerToken, "prefillMsPerToken");
        check(decodeMsPerSequence, "decodeMsPerSequence");
        check(decodeMsPerKiloToken, "decodeMsPerKiloToken");
        check(decodeMsBase, "decodeMsBase");
        if (priorityHeadroomTokens < 0) {
            throw new IllegalArgumentException("--priority-headroom-tokens is negative: " + priorityHeadroomTokens);
        }
    }

    /** Coefficients of a small CPU model; good enough to rank instances, which is all dispatch needs. */
    public static MetricParams defaults() {
        return new MetricParams(0.05, 0.2, 0.05, 5.0, 0);
    }

    public MetricParams withPriorityHeadroomTokens(long tokens) {
        return new MetricParams(prefillMsPerToken, decodeMsPerSequence, decodeMsPerKiloToken, decodeMsBase, tokens);
    }

    private static void check(double v, String name) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(name + " must be finite and non-negative: " + v);
        }
    }
}
