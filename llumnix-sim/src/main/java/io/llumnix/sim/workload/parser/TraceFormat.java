package io.llumnix.sim.workload.parser;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.RequestLength;
import io.llumnix.sim.workload.Workload;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The trace formats the simulator reads, by the name users type ({@code --trace-format azure}), with detection from
 * a file's first line. Unknown names are rejected with the list of valid ones.
 */
public enum TraceFormat {
    /** Azure LLM inference trace 2023 CSV: arrivals and lengths. */
    AZURE("azure", true),
    /** Mooncake JSON lines: arrivals, lengths and prefix block hashes. */
    MOONCAKE("mooncake", true),
    /** ShareGPT length CSV: lengths only. */
    SHAREGPT("sharegpt", false);

    private final String formatName;
    private final boolean hasArrivals;

    TraceFormat(String formatName, boolean hasArrivals) {
        this.formatName = formatName;
        this.hasArrivals = hasArrivals;
    }

    /** The name users type. */
    public String formatName() {
        return formatName;
    }

    /** Whether the format carries arrival times (else arrivals must come from a generator). */
    public boolean hasArrivals() {
        return hasArrivals;
    }

    /** The format called {@code name} (case-insensitive). */
    public static TraceFormat byName(String name) {
        requireNonNull(name, "name is null");
        for (TraceFormat f : values()) {
            if (f.formatName.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown trace format '" + name + "'; valid formats: " + names());
    }

    /** Recognises the format of {@code file} from its first line. */
    public static TraceFormat detect(Path file) {
        String first = TraceLines.firstLine(file).strip();
        if (first.startsWith("{")) {
            return MOONCAKE;
        }
        if (first.contains(AzureTraceReader.HEADER_PREFIX) && first.contains("ContextTokens")) {
            return AZURE;
        }
        if (first.contains(ShareGptLengthReader.PROMPT_COLUMN)) {
            return SHAREGPT;
        }
        throw new IllegalArgumentException(file + ":1: cannot tell the trace format from '" + first
                + "'; valid formats: " + names());
    }

    /** Reads a workload with arrivals; a length-only format is rejected (pair it with an arrival process instead). */
    public Workload readWorkload(Path file) {
        return switch (this) {
            case AZURE -> AzureTraceReader.read(file);
            case MOONCAKE -> MooncakeTraceReader.read(file);
            case SHAREGPT -> throw new IllegalArgumentException(file + ": the " + formatName
                    + " format has no arrival times; generate arrivals for its lengths instead");
        };
    }

    /** Reads only the request lengths, in file order. */
    public List<RequestLength> readLengths(Path file) {
        return switch (this) {
            case AZURE, MOONCAKE -> readWorkload(file).requests().stream().map(r -> r.length()).toList();
            case SHAREGPT -> ShareGptLengthReader.read(file);
        };
    }

    static String names() {
        return Arrays.stream(values()).map(TraceFormat::formatName).collect(Collectors.joining(", "));
    }

    /** A file's name without directory and extension: the default workload name. */
    static String baseName(Path file) {
        Path name = file.getFileName();
        String s = name == null ? file.toString() : name.toString();
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }
}
