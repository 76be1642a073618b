package io.llumnix.engine.bench;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link EngineBenchmark#run} measured: one row per figure, plus the headline ratios.
 *
 * @param measurements every figure, in the order measured
 * @param summary headline ratios on the synthetic model, e.g. {@code batch32_over_batch1}, {@code vector_over_scalar}
 * @param wallMillis how long the whole benchmark took
 */
public record BenchResult(List<Measurement> measurements, Map<String, Double> summary, long wallMillis) {

    /**
     * One figure.
     *
     * @param model {@code stories260K} or the synthetic spec's short name
     * @param kernels kernel implementation, e.g. {@code vector-512} or {@code scalar}
     * @param metric e.g. {@code prefill}, {@code decode_batch8}, {@code matmul_T32}
     * @param value the median figure
     * @param unit e.g. {@code tokens/s}, {@code GFLOP/s}
     * @param detail how it was measured (sizes, median step time)
     */
    public record Measurement(String model, String kernels, String metric, double value, String unit, String detail) {
        public Measurement {
            requireNonNull(model, "model is null");
            requireNonNull(kernels, "kernels is null");
            requireNonNull(metric, "metric is null");
            requireNonNull(unit, "unit is null");
            requireNonNull(detail, "detail is null");
        }
    }

    public BenchResult {
        measurements = List.copyOf(measurements);
        summary = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(summary));
    }

    /**
     * A JSON-ready map: the summary ratios as top-level keys (so {@code batch32_over_batch1} and
     * {@code vector_over_scalar} sit at the top), {@code wall_ms}, and {@code measurements} as a list of maps.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>(summary);
        map.put("wall_ms", wallMillis);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Measurement m : measurements) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", m.model());
            row.put("kernels", m.kernels());
            row.put("metric", m.metric());
            row.put("value", m.value());
            row.put("unit", m.unit());
            row.put("detail", m.detail());
            rows.add(row);
        }
        map.put("measurements", rows);
        return map;
    }

    /** A fixed-width table of the measurements followed by the summary. */
    public String table() {
        int wModel = "model".length();
        int wKernels = "kernels".length();
        int wMetric = "metric".length();
        for (Measurement m : measurements) {
            wModel = Math.max(wModel, m.model().length());
            wKernels = Math.max(wKernels, m.kernels().length());
            wMetric = Math.max(wMetric, m.metric().length());
        }
        String fmt = "%-" + wModel + "s  %-" + wKernels + "s  %-" + wMetric + "s  %12s  %-9s  %s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, fmt, "model", "kernels", "metric", "value", "unit", "detail"));
        for (Measurement m : measurements) {
            sb.append(String.format(Locale.ROOT, fmt, m.model(), m.kernels(), m.metric(), format(m.value()), m.unit(), m.detail()));
        }
        sb.append('\n');
        for (Map.Entry<String, Double> e : summary.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-34s %8.2f%n", e.getKey(), e.getValue()));
        }
        sb.append(String.format(Locale.ROOT, "%-34s %8.1f s%n", "wall time", wallMillis / 1000.0));
        return sb.toString();
    }

    private static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
