package io.llumnix.sim.report;

import io.llumnix.sim.workload.Priority;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-request records as CSV (one row per request, times in nanoseconds so nothing is rounded), for plotting or
 * re-analysis outside the simulator. {@link #read} returns exactly what {@link #write} wrote.
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestRecordCsv {

    static final List<String> HEADER = List.of("request_id", "priority", "prompt_tokens", "output_tokens", "arrival_ns",
            "first_token_ns", "finish_ns", "preemptions", "preemption_loss_ns", "migrations", "ttft_ms", "tpot_ms", "e2e_ms");

    private RequestRecordCsv() {}

    public static Table toTable(List<RequestRecord> records) {
        List<List<String>> rows = new ArrayList<>(records.size());
        for (RequestRecord r : records) {
            rows.add(List.of(Long.toString(r.requestId()), r.priority().name().toLowerCase(Locale.ROOT),
                    Integer.toString(r.promptTokens()), Integer.toString(r.outputTokens()),
                    Long.toString(r.arrivalNanos()), Long.toString(r.firstTokenNanos()), Long.toString(r.finishNanos()),
                    Integer.toString(r.preemptions()), Long.toString(r.preemptionLossNanos()), Integer.toString(r.migrations()),
                    Table.num(r.ttftMs()), Table.num(r.meanTpotMs()), Table.num(r.e2eMs())));
        }
        return new Table(HEADER, rows);
    }

    public static void write(Path file, List<RequestRecord> records) {
        CsvTables.write(file, toTable(records));
    }

    /** Reads records back; the derived millisecond columns are ignored (recomputed from the nanoseconds). */
    public static List<RequestRecord> read(Path file) {
        Table t = CsvTables.read(file);
        if (!t.header().equals(HEADER)) {
            throw new IllegalArgumentException(file + ":1: expected header " + String.join(",", HEADER));
        }
        List<RequestRecord> out = new ArrayList<>(t.rows().size());
        for (int i = 0; i < t.rows().size(); i++) {
            List<String> c = t.rows().get(i);
            try {
                out.add(new RequestRecord(Long.parseLong(c.get(0)), Priority.valueOf(c.get(1).toUpperCase(Locale.ROOT)),
                        Integer.parseInt(c.get(2)), Integer.parseInt(c.get(3)),
                        Long.parseLong(c.get(4)), Long.parseLong(c.get(5)), Long.parseLong(c.get(6)),
                        Integer.parseInt(c.get(7)), Long.parseLong(c.get(8)), Integer.parseInt(c.get(9))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": row " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
