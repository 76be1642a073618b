package io.llumnix.sim.report;

import java.util.List;

/**
 * Renders a {@link Table} for the terminal: columns padded to their widest cell, numbers right-aligned and text
 * left-aligned, a rule under the header.
 *
 * <pre>
 * run      requests  ttft_p99_ms
 * -------  --------  -----------
 * rr           1000       4210.5
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class TableRenderer {

    private TableRenderer() {}

    public static String render(Table table) {
        int n = table.columns();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = table.header().get(c).length();
            numeric[c] = !table.rows().isEmpty();
            for (List<String> row : table.rows()) {
                width[c] = Math.max(width[c], row.get(c).length());
                numeric[c] &= isNumber(row.get(c));
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, table.header(), width, numeric);
        for (int c = 0; c < n; c++) {
            sb.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        sb.append('\n');
        for (List<String> row : table.rows()) {
            line(sb, row, width, numeric);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width, boolean[] numeric) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            line.append(c == 0 ? "" : "  ").append(numeric[c] ? pad + cell : cell + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
