package io.llumnix.sim.report;

import static java.util.Objects.requireNonNull;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart and saved as PNG without a display: latency against request rate (one
 * line per policy), latency CDFs, and instances over time (a step chart). Setting {@code java.awt.headless} is done
 * here, before AWT loads, unless the caller chose otherwise.
 *
 * <p>Stateless; chart objects are not thread-safe, so build and save each on one thread.
 */
public final class Charts {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Points of a CDF are thinned to about this many, so a million-request run still plots quickly. */
    static final int MAX_CDF_POINTS = 2_000;

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    /**
     * One line of an x/y chart.
     *
     * @param name legend entry
     * @param x x values
     * @param y y values, as many as x
     */
    public record Series(String name, double[] x, double[] y) {

        public Series {
            requireNonNull(name, "name is null");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + " has " + x.length + " x values and " + y.length + " y values");
            }
            x = x.clone();
            y = y.clone();
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Series s && s.name.equals(name) && Arrays.equals(s.x, x) && Arrays.equals(s.y, y);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(x) * 17 + Arrays.hashCode(y);
        }

        @Override
        public String toString() {
            return "Series[" + name + ", " + x.length + " points]";
        }
    }

    private Charts() {}

    /** A latency (y) against request rate (x) chart, one line with markers per series (e.g. per policy). */
    public static XYChart latencyVsRate(String title, String yAxisTitle, List<Series> series) {
        XYChart chart = base(title, "request rate (req/s)", yAxisTitle);
        for (Series s : series) {
            XYSeries xy = chart.addSeries(s.name(), s.x, s.y);
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    /** Empirical CDFs of the given samples (e.g. TTFT per policy), fraction of requests at or below x. */
    public static XYChart cdf(String title, String xAxisTitle, Map<String, double[]> samples) {
        XYChart chart = base(title, xAxisTitle, "fraction of requests");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            double[] sorted = e.getValue().clone();
            if (sorted.length == 0) {
                continue;
            }
            Arrays.sort(sorted);
            int step = Math.max(1, sorted.length / MAX_CDF_POINTS);
            double[] x = new double[sorted.length / step + 2];
            double[] y = new double[x.length];
            int k = 0;
            for (int i = 0; i < sorted.length; i += step) {
                x[k] = sorted[i];
                y[k++] = (i + 1) / (double) sorted.length;
            }
            if (y[k - 1] < 1.0) { // always end at the maximum
                x[k] = sorted[sorted.length - 1];
                y[k++] = 1.0;
            }
            x = Arrays.copyOf(x, k);
            y = Arrays.copyOf(y, k);
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** Instances up over time, one step line per run. */
    public static XYChart instancesOverTime(String title, Map<String, InstanceTimeline> timelines, long endNanos) {
        XYChart chart = base(title, "time (s)", "instances");
        for (Map.Entry<String, InstanceTimeline> e : timelines.entrySet()) {
            List<InstanceTimeline.Point> points = e.getValue().points();
            if (points.isEmpty()) {
                continue;
            }
            double[] x = new double[points.size() + 1];
            double[] y = new double[points.size() + 1];
            for (int i = 0; i < points.size(); i++) {
                x[i] = points.get(i).timeNanos() / 1e9;
                y[i] = points.get(i).instances();
            }
            x[points.size()] = Math.max(endNanos / 1e9, x[points.size() - 1]);
            y[points.size()] = y[points.size() - 1];
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
            s.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** Saves {@code chart} as a PNG at exactly {@code file} (parent directories created). */
    public static void savePng(XYChart chart, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // ImageIO rather than BitmapEncoder.saveBitmap: that one is deprecated in XChart 4 and appends its own extension.
            if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer available in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + file, e);
        }
    }

    private static XYChart base(String title, String xAxisTitle, String yAxisTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxisTitle).yAxisTitle(yAxisTitle).build();
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        return chart;
    }
}
