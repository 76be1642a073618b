package io.llumnix.sim.experiment;

import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.Charts;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.report.RequestRecordCsv;
import io.llumnix.sim.report.RunSummary;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.report.TableRenderer;
import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.RequestLength;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.ArrivalProcess;
import io.llumnix.sim.workload.generator.WorkloadGenerator;
import io.llumnix.sim.workload.generator.ZipfLengths;
import io.llumnix.sim.workload.parser.ShareGptLengthReader;
import io.llumnix.sim.workload.parser.SharedTraces;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.json.JsonMapper;

/** What every experiment shares: the profile, workloads, the results table, charts and summary.json. Stateless. */
final class ExperimentSupport {

    private static final JsonMapper JSON = JsonMapper.shared();

    private ExperimentSupport() {}

    static LatencyProfile profile(ExperimentOptions o) {
        return o.profile().map(LatencyProfile::load).orElseGet(LatencyProfile::llama7bA10);
    }

    static List<RequestLength> shareGptLengths() {
        return ShareGptLengthReader.read(SharedTraces.resolve(SharedTraces.SHAREGPT_LENGTHS));
    }

    static Workload zipf(String name, ArrivalProcess arrivals, int meanIn, int meanOut, double highPriority, int n, long seed,
            LatencyProfile p) {
        return WorkloadGenerator.builder().arrivals(arrivals).lengths(ZipfLengths.paper(meanIn), ZipfLengths.paper(meanOut))
                .highPriorityFraction(highPriority).maxTotalTokens(p.maxSeqLen()).build().generate(name, n, seed);
    }

    static Workload pooled(String name, ArrivalProcess arrivals, List<RequestLength> pool, int n, long seed, LatencyProfile p) {
        return WorkloadGenerator.builder().arrivals(arrivals).lengths(pool).maxTotalTokens(p.maxSeqLen()).build().generate(name, n, seed);
    }

    /** One row per run: what varied, the latencies, preemption loss, migrations, cost and speed. */
    static Table resultsTable(String xName, List<ExperimentRunner.Done> runs) {
        List<List<String>> rows = new ArrayList<>();
        for (ExperimentRunner.Done d : runs) {
            SimulationResult r = d.result();
            RunSummary s = r.summary();
            rows.add(List.of(d.job().group(), d.job().policy(), Table.num(d.job().x()), Integer.toString(s.requests()),
                    Table.num(s.ttft().mean()), Table.num(s.ttft().p50()), Table.num(s.ttft().p99()),
                    Table.num(s.tpot().mean()), Table.num(s.tpot().p99()),
                    Table.num(s.e2e().mean()), Table.num(s.e2e().p99()),
                    Table.num(s.meanPreemptionLossMs()), Integer.toString(s.preemptedRequests()), Long.toString(r.committedMigrations()),
                    Table.num(r.instanceSeconds()), Table.num(r.simulatedNanos() / 1e9), Table.num(r.wallNanos() / 1e9)));
        }
        return new Table(List.of("workload", "policy", xName, "requests", "ttft_mean_ms", "ttft_p50_ms", "ttft_p99_ms", "tpot_mean_ms",
                "tpot_p99_ms", "e2e_mean_ms", "e2e_p99_ms", "preemption_loss_mean_ms", "preempted", "migrations", "instance_seconds",
                "simulated_s", "wall_s"), rows);
    }

    /** A metric against the swept value, one line per policy, for one group. */
    static Charts.Series series(String policy, List<ExperimentRunner.Done> runs, ToDoubleFunction<SimulationResult> metric) {
        List<ExperimentRunner.Done> mine = runs.stream().filter(d -> d.job().policy().equals(policy)).toList();
        double[] x = mine.stream().mapToDouble(d -> d.job().x()).toArray();
        double[] y = mine.stream().mapToDouble(d -> metric.applyAsDouble(d.result())).toArray();
        return new Charts.Series(policy, x, y);
    }

    static List<String> policiesOf(List<ExperimentRunner.Done> runs) {
        return runs.stream().map(d -> d.job().policy()).distinct().toList();
    }

    /** Charts of P99 TTFT, mean e2e and preemption loss against {@code xName}, one chart per group. */
    static void sweepCharts(ReportWriter report, String prefix, String group, String xName, List<ExperimentRunner.Done> runs) {
        List<ExperimentRunner.Done> g = runs.stream().filter(d -> d.job().group().equals(group)).toList();
        List<String> policies = policiesOf(g);
        report.chart(prefix + "-ttft-p99", chartVs(group + ": P99 prefill latency", xName, "P99 TTFT (ms)",
                policies.stream().map(p -> series(p, g, r -> r.summary().ttft().p99())).toList()));
        report.chart(prefix + "-e2e-mean", chartVs(group + ": mean end-to-end latency", xName, "mean e2e (ms)",
                policies.stream().map(p -> series(p, g, r -> r.summary().e2e().mean())).toList()));
        report.chart(prefix + "-preemption-loss", chartVs(group + ": preemption loss", xName, "mean preemption loss (ms)",
                policies.stream().map(p -> series(p, g, r -> r.summary().meanPreemptionLossMs())).toList()));
    }

    private static org.knowm.xchart.XYChart chartVs(String title, String xName, String yName, List<Charts.Series> series) {
        org.knowm.xchart.XYChart c = Charts.latencyVsRate(title, yName, series);
        c.setXAxisTitle(xName);
        return c;
    }

    /** TTFT CDFs of the given runs. */
    static void ttftCdf(ReportWriter report, String name, String title, List<ExperimentRunner.Done> runs) {
        Map<String, double[]> samples = new LinkedHashMap<>();
        for (ExperimentRunner.Done d : runs) {
            samples.put(d.job().policy(), d.result().records().stream().mapToDouble(RequestRecord::ttftMs).toArray());
        }
        report.chart(name, Charts.cdf(title, "TTFT (ms)", samples));
    }

    static RunSummary summary(SimulationResult r, Priority priority) {
        return RunSummary.of(r.label(), r.records(), priority);
    }

    static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000.0) / 1000.0 : v;
    }

    /** Prints the table and headline lines, writes summary.json, finishes the report. */
    static ExperimentResult finish(String name, ReportWriter report, Table table, Map<String, Object> summary, List<String> headlines,
            PrintStream out) {
        out.print(TableRenderer.render(table));
        for (String h : headlines) {
            out.println(h);
            report.paragraph(h);
        }
        Path json = report.dir().resolve("summary.json");
        try {
            Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
        Path index = report.finish();
        out.println("report: " + index.toAbsolutePath());
        return new ExperimentResult(name, report.dir(), summary);
    }

    static void writeRecords(ReportWriter report, String name, SimulationResult r) {
        report.csv(name, RequestRecordCsv.toTable(r.records()));
    }
}
