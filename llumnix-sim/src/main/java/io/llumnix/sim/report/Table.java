package io.llumnix.sim.report;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rectangular table of text cells with a header: what the terminal renderer, the CSV writer and the HTML page
 * all show. Numbers are formatted once, here, so every output agrees.
 *
 * <p>Immutable.
 *
 * @param header column names
 * @param rows cells, each row as wide as the header
 */
public record Table(List<String> header, List<List<String>> rows) {

    public Table {
        header = List.copyOf(requireNonNull(header, "header is null"));
        if (header.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        List<List<String>> copy = new ArrayList<>(rows.size());
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("row " + copy.size() + " has " + row.size() + " cells for " + header.size() + " columns: " + row);
            }
            copy.add(List.copyOf(row));
        }
        rows = List.copyOf(copy);
    }

    /** The paper's latency table: one row per run summary. */
    public static Table of(List<RunSummary> summaries) {
        List<List<String>> rows = new ArrayList<>();
        for (RunSummary s : summaries) {
            rows.add(List.of(
                    s.label(), Integer.toString(s.requests()),
                    num(s.ttft().mean()), num(s.ttft().p50()), num(s.ttft().p99()),
                    num(s.tpot().mean()), num(s.tpot().p50()), num(s.tpot().p99()),
                    num(s.e2e().mean()), num(s.e2e().p50()), num(s.e2e().p99()),
                    num(s.meanPreemptionLossMs()), Integer.toString(s.preemptedRequests()), Long.toString(s.migrations())));
        }
        return new Table(List.of("run", "requests",
                "ttft_mean_ms", "ttft_p50_ms", "ttft_p99_ms",
                "tpot_mean_ms", "tpot_p50_ms", "tpot_p99_ms",
                "e2e_mean_ms", "e2e_p50_ms", "e2e_p99_ms",
                "preemption_loss_mean_ms", "preempted", "migrations"), rows);
    }

    /** Formats a number for a cell: integers without decimals, others with up to 3 significant decimals. */
    public static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        double abs = Math.abs(v);
        String pattern = abs >= 100 ? "%.1f" : abs >= 1 ? "%.2f" : "%.4f";
        return String.format(Locale.ROOT, pattern, v);
    }

    public int columns() {
        return header.size();
    }
}
