package io.llumnix.sim.workload.parser;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the Azure LLM inference trace 2023 (Splitwise) CSV: header {@code TIMESTAMP,ContextTokens,GeneratedTokens}
 * (any column order), timestamps like {@code 2023-11-16 18:15:46.6805900} (no zone; up to 9 fractional digits).
 * Arrivals become nanoseconds since the first row; the trace carries no prefix or priority information.
 *
 * <p>Stateless and thread-safe.
 */
public final class AzureTraceReader {

    static final String HEADER_PREFIX = "TIMESTAMP";

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .toFormatter();

    private AzureTraceReader() {}

    /** Reads {@code file}; fails with the file and line of the first malformed row. */
    public static Workload read(Path file) {
        requireNonNull(file, "file is null");
        List<TraceRequest> requests = new ArrayList<>();
        int[] columns = new int[3];
        long[] epochNanos = {Long.MIN_VALUE};
        TraceLines.forEach(file, (line, number) -> {
            String[] fields = line.split(",", -1);
            if (columns[0] == columns[1]) { // header not seen yet (its columns are distinct)
                readHeader(fields, columns);
                return;
            }
            if (fields.length != 3) {
                throw new IllegalArgumentException("expected 3 comma-separated fields, got " + fields.length + ": '" + line + "'");
            }
            long nanos = parseTimestamp(fields[columns[0]]);
            if (epochNanos[0] == Long.MIN_VALUE) {
                epochNanos[0] = nanos;
            }
            long arrival = nanos - epochNanos[0];
            if (arrival < 0) {
                throw new IllegalArgumentException("timestamp " + fields[columns[0]].strip() + " is before the first row's");
            }
            int prompt = TraceLines.parsePositiveInt(fields[columns[1]], "ContextTokens");
            int output = TraceLines.parsePositiveInt(fields[columns[2]], "GeneratedTokens");
            requests.add(TraceRequest.of(requests.size(), arrival, prompt, output));
        });
        if (columns[0] == columns[1]) {
            throw new IllegalArgumentException(file + ": empty trace file, expected header TIMESTAMP,ContextTokens,GeneratedTokens");
        }
        return Workload.sortedByArrival(TraceFormat.baseName(file), requests);
    }

    private static void readHeader(String[] fields, int[] columns) {
        int ts = -1;
        int ctx = -1;
        int gen = -1;
        for (int i = 0; i < fields.length; i++) {
            switch (fields[i].strip()) {
                case "TIMESTAMP" -> ts = i;
                case "ContextTokens" -> ctx = i;
                case "GeneratedTokens" -> gen = i;
                default -> { }
            }
        }
        if (fields.length != 3 || ts < 0 || ctx < 0 || gen < 0) {
            throw new IllegalArgumentException("expected header TIMESTAMP,ContextTokens,GeneratedTokens, got '"
                    + String.join(",", fields) + "'");
        }
        columns[0] = ts;
        columns[1] = ctx;
        columns[2] = gen;
    }

    private static long parseTimestamp(String field) {
        LocalDateTime t = LocalDateTime.parse(field.strip(), TIMESTAMP);
        return Math.addExact(Math.multiplyExact(t.toEpochSecond(ZoneOffset.UTC), 1_000_000_000L), t.getNano());
    }
}
