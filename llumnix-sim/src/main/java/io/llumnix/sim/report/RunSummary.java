package io.llumnix.sim.report;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.Priority;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The headline numbers of one run (or one class of its requests): the paper's prefill (TTFT), decode (mean TPOT)
 * and end-to-end latencies with mean / P50 / P99, preemption loss and migrations. All latencies in milliseconds.
 *
 * @param label what was run, e.g. {@code llumnix sharegpt 4.0rps}
 * @param requests requests summarised
 * @param ttft time to first token, queueing included
 * @param tpot per-request mean time per output token
 * @param e2e end-to-end latency
 * @param meanPreemptionLossMs preemption loss averaged over all requests (the paper's metric)
 * @param preemptedRequests requests preempted at least once
 * @param migrations live migrations in total
 */
public record RunSummary(
        String label,
        int requests,
        LatencyStats ttft,
        LatencyStats tpot,
        LatencyStats e2e,
        double meanPreemptionLossMs,
        int preemptedRequests,
        long migrations) {

    public RunSummary {
        requireNonNull(label, "label is null");
        requireNonNull(ttft, "ttft is null");
        requireNonNull(tpot, "tpot is null");
        requireNonNull(e2e, "e2e is null");
    }

    /** Summarises every record. */
    public static RunSummary of(String label, List<RequestRecord> records) {
        return new RunSummary(
                label,
                records.size(),
                stats(records, RequestRecord::ttftMs),
                stats(records, RequestRecord::meanTpotMs),
                stats(records, RequestRecord::e2eMs),
                records.stream().mapToDouble(RequestRecord::preemptionLossMs).average().orElse(0),
                (int) records.stream().filter(r -> r.preemptions() > 0).count(),
                records.stream().mapToLong(RequestRecord::migrations).sum());
    }

    /** Summarises the records of one priority, labelled {@code label [priority]}. */
    public static RunSummary of(String label, List<RequestRecord> records, Priority priority) {
        return of(label + " [" + priority.name().toLowerCase(java.util.Locale.ROOT) + "]",
                records.stream().filter(r -> r.priority() == priority).toList());
    }

    private static LatencyStats stats(List<RequestRecord> records, ToDoubleFunction<RequestRecord> metric) {
        return LatencyStats.of(records.stream().mapToDouble(metric).toArray());
    }
}
