package io.llumnix.engine.server;

/**
 * A minimal writer of the Prometheus text exposition format (version 0.0.4). It exists because vLLM's
 * metric names contain {@code ':'} ({@code vllm:num_requests_running}) and we want them verbatim, which
 * a naming-convention-driven registry would rewrite.
 *
 * <p>Not thread-safe: one per scrape.
 */
final class PrometheusText {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    /** {@code # HELP} and {@code # TYPE} lines of one metric family. */
    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    PrometheusText sample(String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(formatDouble(value)).append('\n');
        return this;
    }

    PrometheusText sample(String name, String labels, long value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    /** A sample with one extra label appended to {@code labels}. */
    PrometheusText sample(String name, String labels, String extraLabel, String extraValue, long value) {
        String all = (labels.isEmpty() ? "" : labels + ",") + label(extraLabel, extraValue);
        return sample(name, all, value);
    }

    static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String formatDouble(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
