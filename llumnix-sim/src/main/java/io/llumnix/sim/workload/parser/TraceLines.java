package io.llumnix.sim.workload.parser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Line-by-line reading of a trace file, so that every failure names the file and the 1-based line: a missing file,
 * an unreadable one, or any exception a line handler throws becomes an {@link IllegalArgumentException}
 * {@code "<file>:<line>: <what>"}.
 */
final class TraceLines {

    /** Handles one non-blank line; may throw any runtime exception to reject it. */
    @FunctionalInterface
    interface LineHandler {
        void accept(String line, long lineNumber);
    }

    private TraceLines() {}

    /** Calls {@code handler} for every non-blank line (CR/LF endings and a UTF-8 BOM tolerated). */
    static void forEach(Path file, LineHandler handler) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    handler.accept(line, number);
                } catch (RuntimeException e) {
                    throw error(file, number, describe(e), e);
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("trace file not found: " + file, e);
        } catch (IOException e) {
            // A binary file fails UTF-8 decoding here: report it as a bad file, not an I/O outage.
            if (e instanceof java.nio.charset.CharacterCodingException) {
                throw new IllegalArgumentException(file + ": not a UTF-8 text file", e);
            }
            throw new UncheckedIOException("cannot read trace file " + file, e);
        }
    }

    /** Reads the first non-blank line, or fails naming the file when there is none. */
    static String firstLine(Path file) {
        String[] first = new String[1];
        try {
            forEach(file, (line, number) -> {
                first[0] = line;
                throw new StopReading();
            });
        } catch (IllegalArgumentException e) {
            if (!(e.getCause() instanceof StopReading)) {
                throw e;
            }
        }
        if (first[0] == null) {
            throw new IllegalArgumentException(file + ": empty trace file");
        }
        return first[0];
    }

    static IllegalArgumentException error(Path file, long line, String message, Throwable cause) {
        return new IllegalArgumentException(file + ":" + line + ": " + message, cause);
    }

    static int parsePositiveInt(String field, String column) {
        int v;
        try {
            v = Integer.parseInt(field.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " is not an integer: '" + field + "'", e);
        }
        if (v < 1) {
            throw new IllegalArgumentException(column + " must be at least 1, got " + v);
        }
        return v;
    }

    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Ends {@link #firstLine} early; never escapes this class. */
    private static final class StopReading extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopReading() {
            super(null, null, false, false);
        }
    }
}
