package io.llumnix.sim.report;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.knowm.xchart.XYChart;

/**
 * Writes one report folder: every table as {@code <name>.csv}, every chart as {@code <name>.png}, and an
 * {@code index.html} that shows the tables inline and links the CSVs and PNGs, in the order they were added.
 *
 * <pre>{@code
 * ReportWriter report = new ReportWriter(dir, "serving: ShareGPT, 16 instances");
 * report.heading("P99 prefill latency");
 * report.table("summary", Table.of(summaries));
 * report.chart("ttft-p99-vs-rate", Charts.latencyVsRate(...));
 * Path index = report.finish();
 * }</pre>
 *
 * <p>Not thread-safe: one experiment writes its report.
 */
public final class ReportWriter {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path dir;
    private final String title;
    private final StringBuilder body = new StringBuilder();
    private final Set<String> names = new HashSet<>();
    private boolean finished;

    /** A report in {@code dir} (created if missing). */
    public ReportWriter(Path dir, String title) {
        this.dir = requireNonNull(dir, "dir is null");
        this.title = requireNonNull(title, "title is null");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create report folder " + dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Starts a section. */
    public ReportWriter heading(String text) {
        checkOpen();
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    /** A paragraph of plain text. */
    public ReportWriter paragraph(String text) {
        checkOpen();
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** Writes {@code <name>.csv} and shows the table inline with a link to it. */
    public Path table(String name, Table table) {
        checkOpen();
        Path file = dir.resolve(fileName(name, ".csv"));
        CsvTables.write(file, table);
        body.append("<table>\n<thead><tr>");
        for (String h : table.header()) {
            body.append("<th>").append(escape(h)).append("</th>");
        }
        body.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : table.rows()) {
            body.append("<tr>");
            for (String cell : row) {
                body.append(TableRenderer.isNumber(cell) ? "<td class=\"n\">" : "<td>").append(escape(cell)).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</tbody>\n</table>\n");
        link(file, "CSV");
        return file;
    }

    /** Writes a CSV that is linked but not shown inline (e.g. per-request records). */
    public Path csv(String name, Table table) {
        checkOpen();
        Path file = dir.resolve(fileName(name, ".csv"));
        CsvTables.write(file, table);
        link(file, "CSV, " + table.rows().size() + " rows");
        return file;
    }

    /** Writes {@code <name>.png} and shows it. */
    public Path chart(String name, XYChart chart) {
        checkOpen();
        Path file = dir.resolve(fileName(name, ".png"));
        Charts.savePng(chart, file);
        String href = escape(file.getFileName().toString());
        body.append("<figure><a href=\"").append(href).append("\"><img src=\"").append(href).append("\" alt=\"")
                .append(escape(chart.getTitle())).append("\"></a></figure>\n");
        return file;
    }

    /** Writes {@code index.html} and returns its path; nothing may be added afterwards. */
    public Path finish() {
        checkOpen();
        finished = true;
        String html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                + "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:2px 8px}"
                + "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}"
                + "img{max-width:100%}figure{margin:1em 0}</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n"
                + body + "</body>\n</html>\n";
        Path index = dir.resolve("index.html");
        try {
            Files.writeString(index, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + index, e);
        }
        return index;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private void link(Path file, String what) {
        String href = escape(file.getFileName().toString());
        body.append("<p><a href=\"").append(href).append("\">").append(href).append("</a> (").append(escape(what)).append(")</p>\n");
    }

    private String fileName(String name, String extension) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("report file name must be letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        String file = name + extension;
        if (!names.add(file)) {
            throw new IllegalArgumentException("report already has a file " + file);
        }
        return file;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("report " + dir + " is already finished");
        }
    }
}
