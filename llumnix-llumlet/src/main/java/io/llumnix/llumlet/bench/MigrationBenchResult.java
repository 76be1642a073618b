package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What {@link MigrationBenchmark#run} measured: one row per prompt length (medians over the repetitions) and
 * the headline figures checked against the paper's Fig. 10 shape.
 *
 * @param model the model spec
 * @param rows one per length, shortest first
 * @param othersSlowdown how much longer the source's other requests' steps were while live migrations copied KV
 *     (start to detach: the batch they share is the baseline's) than in the window right before each migration:
 *     {@code during / before - 1} per length (intervals of all its repetitions pooled), averaged over the lengths
 * @param othersDrift the same ratio for the same two windows in the unmigrated reference run of the request (at the
 *     same token, as long), minus one, averaged over the lengths likewise: what the others' steps do between those
 *     windows without any migration (their contexts grow a token per step; on a shared machine, mostly noise).
 *     Reported, not subtracted.
 * @param othersSlowdownWholeWindow the same over each live migration's whole duration, start to commit; the part
 *     after the detach runs a smaller batch (the migrated request left it) and, after the commit, shares the
 *     machine's cores with the destination decoding the request
 * @param migrations migrations measured (committed) in all
 * @param identical migrated outputs that equalled the unmigrated run, out of {@code migrations}
 * @param aborted migrations that aborted or were skipped (excluded from the figures)
 * @param wallMillis the whole benchmark
 */
public record MigrationBenchResult(String model, List<Row> rows, double othersSlowdown, double othersDrift, double othersSlowdownWholeWindow, int migrations, int identical, int aborted, long wallMillis) {

    /**
     * The figures of one prompt length (milliseconds unless named otherwise; medians).
     *
     * @param length prompt tokens
     * @param downtimeMs live migration: time the request was in no batch (detach on the source to the install on
     *     the destination, one monotonic clock)
     * @param commitAckMs live migration: detach to the source hearing the commit (the downtime plus the answer's way
     *     back)
     * @param totalMs live migration: the whole migration, stage 0 to commit
     * @param stages live migration: copy stages before the final one
     * @param resumeMs live migration: detach to the first destination token at the client
     * @param blockingCopyMs blocking copy (no stages: every block copied while the request is paused), its downtime
     *     (measured like {@code downtimeMs})
     * @param recomputeMs recompute on the destination: detach to the first destination token at the client
     * @param kvBytes KV bytes the blocking copy moved (the whole context)
     * @param transferGbps blocking copy's KV bytes over its downtime, in GB/s (10^9 bytes)
     * @param memcpyGbps {@code System.arraycopy} of a float[] of the same size in this process, GB/s
     * @param othersBaselineMs mean step time of the other requests without a migration
     * @param othersDuringMs their mean step time while live migrations copied KV (start to detach)
     * @param othersDuringWholeMs their mean step time over live migrations' whole duration (start to commit)
     * @param controlBaselineMs in the unmigrated reference run, their mean step time in the baseline window's place
     * @param controlDuringMs in the unmigrated reference run, their mean step time in the copy window's place
     * @param identical whether every migrated output of this length equalled the unmigrated run
     */
    public record Row(int length, double downtimeMs, double commitAckMs, double totalMs, double stages, double resumeMs, double blockingCopyMs,
            double recomputeMs,
            long kvBytes, double transferGbps, double memcpyGbps, double othersBaselineMs, double othersDuringMs,
            double othersDuringWholeMs, double controlBaselineMs, double controlDuringMs, boolean identical) {

        public double othersSlowdown() {
            return othersDuringMs / othersBaselineMs - 1;
        }

        public double othersDrift() {
            return controlDuringMs / controlBaselineMs - 1;
        }
    }

    public MigrationBenchResult {
        requireNonNull(model, "model is null");
        rows = List.copyOf(rows);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows");
        }
    }

    public boolean allIdentical() {
        return identical == migrations && migrations > 0;
    }

    private Row first() {
        return rows.getFirst();
    }

    private Row last() {
        return rows.getLast();
    }

    public double downtimeRatioMaxOverMin() {
        return last().downtimeMs() / first().downtimeMs();
    }

    public double recomputeOverDowntimeAtMax() {
        return last().recomputeMs() / last().downtimeMs();
    }

    public double blockingCopyOverDowntimeAtMax() {
        return last().blockingCopyMs() / last().downtimeMs();
    }

    /** The paper's Fig. 10 shape: flat downtime, ≥ 10× better than recompute and blocking copy, others barely slowed. */
    public Map<String, Boolean> targets() {
        Map<String, Boolean> t = new LinkedHashMap<>();
        t.put("downtime_ratio_max_over_min <= 1.5", downtimeRatioMaxOverMin() <= 1.5);
        t.put("recompute_over_downtime_at_max >= 10", recomputeOverDowntimeAtMax() >= 10);
        t.put("blocking_copy_over_downtime_at_max >= 10", blockingCopyOverDowntimeAtMax() >= 10);
        t.put("others_slowdown <= 0.05", othersSlowdown <= 0.05);
        t.put("identical", allIdentical());
        return t;
    }

    /** A JSON-ready map: the headline keys at the top, per-length objects keyed by length, the targets. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("downtime_ms", perLength(Row::downtimeMs));
        m.put("downtime_ratio_max_over_min", downtimeRatioMaxOverMin());
        m.put("recompute_over_downtime_at_max", recomputeOverDowntimeAtMax());
        m.put("blocking_copy_over_downtime_at_max", blockingCopyOverDowntimeAtMax());
        m.put("others_slowdown", othersSlowdown);
        m.put("identical", allIdentical());
        m.put("commit_ack_ms", perLength(Row::commitAckMs));
        m.put("total_migration_ms", perLength(Row::totalMs));
        m.put("stages", perLength(Row::stages));
        m.put("resume_ms", perLength(Row::resumeMs));
        m.put("blocking_copy_ms", perLength(Row::blockingCopyMs));
        m.put("recompute_ms", perLength(Row::recomputeMs));
        m.put("kv_bytes", perLength(r -> r.kvBytes()));
        m.put("transfer_gbps", perLength(Row::transferGbps));
        m.put("memcpy_gbps", perLength(Row::memcpyGbps));
        m.put("others_step_ms_baseline", perLength(Row::othersBaselineMs));
        m.put("others_step_ms_during_migration", perLength(Row::othersDuringMs));
        m.put("others_slowdown_by_length", perLength(Row::othersSlowdown));
        m.put("others_drift_without_migration", othersDrift);
        m.put("others_drift_without_migration_by_length", perLength(Row::othersDrift));
        m.put("others_step_ms_control_baseline", perLength(Row::controlBaselineMs));
        m.put("others_step_ms_control_during", perLength(Row::controlDuringMs));
        m.put("others_slowdown_whole_window", othersSlowdownWholeWindow);
        m.put("others_step_ms_during_whole_migration", perLength(Row::othersDuringWholeMs));
        m.put("migrations", migrations);
        m.put("identical_migrations", identical);
        m.put("aborted_migrations", aborted);
        Map<String, Boolean> t = targets();
        m.put("targets_met", t);
        m.put("wall_ms", wallMillis);
        return m;
    }

    private Map<String, Double> perLength(ToDoubleFunction<Row> f) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Row r : rows) {
            out.put(Integer.toString(r.length()), f.applyAsDouble(r));
        }
        return out;
    }

    /** A fixed-width table, the headline ratios and the targets. */
    public String table() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"length", "downtime", "ack", "total", "stages", "resume", "blocking", "recompute", "KV MiB", "xfer GB/s",
                "memcpy GB/s", "others step", "during copy", "whole mig", "slowdown", "control", "identical"});
        for (Row r : rows) {
            lines.add(new String[] {
                    Integer.toString(r.length()), ms(r.downtimeMs()), ms(r.commitAckMs()), ms(r.totalMs()), String.format(Locale.ROOT, "%.0f", r.stages()),
                    ms(r.resumeMs()), ms(r.blockingCopyMs()), ms(r.recomputeMs()),
                    String.format(Locale.ROOT, "%.1f", r.kvBytes() / 1048576.0), String.format(Locale.ROOT, "%.2f", r.transferGbps()),
                    String.format(Locale.ROOT, "%.2f", r.memcpyGbps()), ms(r.othersBaselineMs()), ms(r.othersDuringMs()),
                    ms(r.othersDuringWholeMs()), String.format(Locale.ROOT, "%+.1f%%", 100 * r.othersSlowdown()),
                    String.format(Locale.ROOT, "%+.1f%%", 100 * r.othersDrift()), Boolean.toString(r.identical())});
        }
        int[] w = new int[lines.getFirst().length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                sb.append(String.format(Locale.ROOT, "%" + w[i] + "s", l[i])).append(i + 1 < l.length ? "  " : "\n");
            }
        }
        sb.append("(times in ms, medians; downtime = detach on the source to install on the destination (one monotonic clock); "
                + "ack = detach to the source hearing the commit; resume/recompute = detach to the "
                + "first destination token at the client; others = mean step time of the source's other requests: before the migration, "
                + "during its copy stages (start to detach), over the whole migration (start to commit), and in the same two windows of "
                + "the unmigrated reference run (control: its slowdown with no migration); slowdown = during copy / before - 1)\n\n");
        sb.append(String.format(Locale.ROOT, "%-36s %8.2f%n", "downtime_ratio_max_over_min", downtimeRatioMaxOverMin()));
        sb.append(String.format(Locale.ROOT, "%-36s %8.1f%n", "recompute_over_downtime_at_max", recomputeOverDowntimeAtMax()));
        sb.append(String.format(Locale.ROOT, "%-36s %8.1f%n", "blocking_copy_over_downtime_at_max", blockingCopyOverDowntimeAtMax()));
        sb.append(String.format(Locale.ROOT, "%-36s %+7.1f%%%n", "others_slowdown", 100 * othersSlowdown));
        sb.append(String.format(Locale.ROOT, "%-36s %+7.1f%%%n", "others_drift_without_migration", 100 * othersDrift));
        sb.append(String.format(Locale.ROOT, "%-36s %+7.1f%%%n", "others_slowdown_whole_window", 100 * othersSlowdownWholeWindow));
        sb.append(String.format(Locale.ROOT, "%-36s %d/%d identical%s%n", "token identity", identical, migrations,
                aborted > 0 ? " (" + aborted + " aborted, excluded)" : ""));
        for (Map.Entry<String, Boolean> e : targets().entrySet()) {
            sb.append(String.format(Locale.ROOT, "target %-40s %s%n", e.getKey(), e.getValue() ? "met" : "MISSED"));
        }
        sb.append(String.format(Locale.ROOT, "%-36s %8.1f s%n", "wall time", wallMillis / 1000.0));
        return sb.toString();
    }

    private static String ms(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
