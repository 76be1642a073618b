package io.llumnix.sim.workload.parser;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.RequestLength;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the ShareGPT length CSV of Etalon / Sarathi-Serve ({@code num_prefill_tokens,num_decode_tokens,...}): prompt
 * and output lengths only, no arrivals. Combine them with an arrival process
 * ({@link io.llumnix.sim.workload.generator.WorkloadGenerator}) to get a workload. Columns other than the two
 * lengths are ignored; the two may be in any position.
 *
 * <p>Stateless and thread-safe.
 */
public final class ShareGptLengthReader {

    static final String PROMPT_COLUMN = "num_prefill_tokens";
    static final String OUTPUT_COLUMN = "num_decode_tokens";

    private ShareGptLengthReader() {}

    /** Reads {@code file}; fails with the file and line of the first malformed row. */
    public static List<RequestLength> read(Path file) {
        requireNonNull(file, "file is null");
        List<RequestLength> lengths = new ArrayList<>();
        int[] columns = {-1, -1, 0};
        TraceLines.forEach(file, (line, number) -> {
            String[] fields = line.split(",", -1);
            if (columns[0] < 0) {
                for (int i = 0; i < fields.length; i++) {
                    String name = fields[i].strip();
                    if (name.equals(PROMPT_COLUMN)) {
                        columns[0] = i;
                    } else if (name.equals(OUTPUT_COLUMN)) {
                        columns[1] = i;
                    }
                }
                if (columns[0] < 0 || columns[1] < 0) {
                    columns[0] = -1;
                    throw new IllegalArgumentException("expected a header with " + PROMPT_COLUMN + " and " + OUTPUT_COLUMN
                            + ", got '" + line + "'");
                }
                columns[2] = fields.length;
                return;
            }
            if (fields.length != columns[2]) {
                throw new IllegalArgumentException("expected " + columns[2] + " fields like the header, got " + fields.length);
            }
            lengths.add(new RequestLength(
                    TraceLines.parsePositiveInt(fields[columns[0]], PROMPT_COLUMN),
                    TraceLines.parsePositiveInt(fields[columns[1]], OUTPUT_COLUMN)));
        });
        if (columns[0] < 0) {
            throw new IllegalArgumentException(file + ": empty trace file, expected header " + PROMPT_COLUMN + "," + OUTPUT_COLUMN + ",...");
        }
        return List.copyOf(lengths);
    }
}
