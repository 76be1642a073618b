package io.llumnix.sim.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and reads {@link Table}s as RFC 4180 CSV: a header line, cells quoted only when they hold a comma, quote
 * or line break, {@code \n} line endings. What {@link #write} produces, {@link #read} returns unchanged.
 *
 * <p>Stateless and thread-safe.
 */
public final class CsvTables {

    private CsvTables() {}

    public static void write(Path file, Table table) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write(toCsv(table));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CSV " + file, e);
        }
    }

    public static String toCsv(Table table) {
        StringBuilder sb = new StringBuilder();
        row(sb, table.header());
        for (List<String> r : table.rows()) {
            row(sb, r);
        }
        return sb.toString();
    }

    /** Reads a CSV file with a header line; fails naming the file and line of a malformed record. */
    public static Table read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CSV " + file, e);
        }
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    cell.append(ch);
                }
            } else if (ch == '"') {
                if (!cell.isEmpty()) {
                    throw new IllegalArgumentException(file + ":" + line + ": quote inside an unquoted cell");
                }
                quoted = true;
                any = true;
            } else if (ch == ',') {
                record.add(cell.toString());
                cell.setLength(0);
                any = true;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || !cell.isEmpty()) {
                    record.add(cell.toString());
                    records.add(List.copyOf(record));
                }
                record.clear();
                cell.setLength(0);
                any = false;
                line++;
            } else {
                cell.append(ch);
                any = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(file + ":" + line + ": unterminated quoted cell");
        }
        if (any || !cell.isEmpty()) {
            record.add(cell.toString());
            records.add(List.copyOf(record));
        }
        if (records.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty CSV, expected a header line");
        }
        List<String> header = records.getFirst();
        for (int r = 1; r < records.size(); r++) {
            if (records.get(r).size() != header.size()) {
                throw new IllegalArgumentException(file + ": record " + (r + 1) + " has " + records.get(r).size()
                        + " cells, the header " + header.size());
            }
        }
        return new Table(header, records.subList(1, records.size()));
    }

    private static void row(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String c = cells.get(i);
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(c);
            }
        }
        sb.append('\n');
    }
}
