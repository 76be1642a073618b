package io.llumnix.sim.experiment;

import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.RequestLength;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.PoissonArrivals;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The paper's Fig. 11: round-robin vs INFaaS++ vs Llumnix on 16 instances over a rate sweep, on ShareGPT lengths and
 * on generated Zipf traces (Poisson arrivals). Headlines, per trace at the highest rate: INFaaS++'s P99 prefill latency
 * over Llumnix's, and Llumnix's preemption-loss reduction against round-robin.
 */
final class ServingExperiment {

    /**
     * One trace of the sweep.
     *
     * @param rates requests per second over the 16-instance cluster, ascending: from a comfortable load up to about the
     *     rate where the cluster saturates (beyond it every policy's queues grow without bound and the comparison only
     *     measures how long the run is)
     */
    private record Trace(String name, double[] rates) {}

    private static final List<String> POLICIES = List.of("round-robin", "infaas++", "llumnix");

    private ServingExperiment() {}

    static ExperimentResult run(ExperimentOptions o, PrintStream out) {
        LatencyProfile profile = ExperimentSupport.profile(o);
        int instances = o.instances().orElse(o.quick() ? 4 : 16);
        int n = o.requests().orElse(o.quick() ? 150 : 2500);
        double scale = instances / 16.0;
        List<Trace> traces = o.quick()
                ? List.of(new Trace("zipf-256-256", new double[] {8, 14}))
                : List.of(new Trace("sharegpt", new double[] {1.25, 1.5, 1.75, 2.0}),
                        new Trace("zipf-256-256", new double[] {8, 10, 12, 14}),
                        new Trace("zipf-512-512", new double[] {2.0, 2.5, 3.0, 3.5}));
        List<String> policies = o.policies().isEmpty() ? POLICIES : o.policies();
        List<RequestLength> shareGpt = traces.stream().anyMatch(t -> t.name().equals("sharegpt")) ? ExperimentSupport.shareGptLengths()
                : List.of();
        List<ExperimentRunner.Job> jobs = new ArrayList<>();
        for (Trace t : traces) {
            for (double rate : t.rates()) {
                double r = rate * scale;
                Workload w = switch (t.name()) {
                    case "sharegpt" -> ExperimentSupport.pooled("sharegpt", new PoissonArrivals(r), shareGpt, n, o.seed(), profile);
                    case "zipf-256-256" -> ExperimentSupport.zipf(t.name(), new PoissonArrivals(r), 256, 256, 0, n, o.seed(), profile);
                    default -> ExperimentSupport.zipf(t.name(), new PoissonArrivals(r), 512, 512, 0, n, o.seed(), profile);
                };
                for (String p : policies) {
                    SimulationConfig c = SimulationConfig.builder(profile).instances(instances).policy(p).seed(o.seed())
                            .reschedulingInterval(o.reschedulingInterval()).build();
                    jobs.add(new ExperimentRunner.Job(t.name(), r, c, w));
                }
            }
        }
        List<ExperimentRunner.Done> runs;
        try (ExperimentRunner runner = new ExperimentRunner("serving", ExperimentRunner.totalRequests(jobs), o.progress())) {
            runs = runner.runAll(jobs);
        }
        ReportWriter report = new ReportWriter(o.reportDir().resolve("serving"),
                "serving: " + String.join(" vs ", policies) + " on " + instances + " instances (paper Fig. 11)");
        Table table = ExperimentSupport.resultsTable("rate", runs);
        report.heading("All runs");
        report.table("results", table);
        Map<String, Object> ratio = new LinkedHashMap<>();
        Map<String, Object> reduction = new LinkedHashMap<>();
        Map<String, Object> reductionAllRates = new LinkedHashMap<>();
        List<String> headlines = new ArrayList<>();
        for (Trace t : traces) {
            report.heading(t.name());
            ExperimentSupport.sweepCharts(report, t.name(), t.name(), "request rate (req/s)", runs);
            double top = t.rates()[t.rates().length - 1] * scale;
            List<ExperimentRunner.Done> atTop = runs.stream().filter(d -> d.job().group().equals(t.name()) && d.job().x() == top).toList();
            ExperimentSupport.ttftCdf(report, t.name() + "-ttft-cdf", t.name() + " @" + Table.num(top) + " req/s: TTFT CDF", atTop);
            SimulationResult infaas = find(atTop, "infaas++");
            SimulationResult llumnix = find(atTop, "llumnix");
            SimulationResult rr = find(atTop, "round-robin");
            if (infaas != null && llumnix != null) {
                double v = infaas.summary().ttft().p99() / llumnix.summary().ttft().p99();
                ratio.put(t.name(), ExperimentSupport.round(v));
                headlines.add(String.format(Locale.ROOT, "%s @%s req/s: P99 prefill INFaaS++ / Llumnix = %.2fx (%.0f ms vs %.0f ms)",
                        t.name(), Table.num(top), v, infaas.summary().ttft().p99(), llumnix.summary().ttft().p99()));
            }
            if (rr != null && llumnix != null) {
                double v = reductionOf(rr, llumnix);
                reduction.put(t.name(), ExperimentSupport.round(v));
                headlines.add(String.format(Locale.ROOT, "%s @%s req/s: preemption loss Llumnix vs round-robin = %+.1f%% (%.1f ms vs %.1f ms)",
                        t.name(), Table.num(top), -100 * v, llumnix.summary().meanPreemptionLossMs(), rr.summary().meanPreemptionLossMs()));
                Map<String, Object> perRate = new LinkedHashMap<>();
                for (double rate : t.rates()) {
                    double x = rate * scale;
                    List<ExperimentRunner.Done> at = runs.stream().filter(d -> d.job().group().equals(t.name()) && d.job().x() == x).toList();
                    SimulationResult a = find(at, "round-robin");
                    SimulationResult b = find(at, "llumnix");
                    if (a != null && b != null) {
                        perRate.put(Table.num(x), ExperimentSupport.round(reductionOf(a, b)));
                    }
                }
                reductionAllRates.put(t.name(), perRate);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", "serving");
        summary.put("instances", instances);
        summary.put("requests_per_run", n);
        summary.put("p99_prefill_infaas_over_llumnix", ratio);
        summary.put("preemption_loss_reduction_vs_rr", reduction);
        summary.put("preemption_loss_reduction_vs_rr_by_rate", reductionAllRates);
        return ExperimentSupport.finish("serving", report, table, summary, headlines, out);
    }

    /** 1 − loss(llumnix) / loss(rr); 0 when round-robin lost nothing. */
    private static double reductionOf(SimulationResult rr, SimulationResult llumnix) {
        double base = rr.summary().meanPreemptionLossMs();
        return base == 0 ? 0 : 1 - llumnix.summary().meanPreemptionLossMs() / base;
    }

    static @Nullable SimulationResult find(List<ExperimentRunner.Done> runs, String policy) {
        return runs.stream().filter(d -> d.job().policy().equals(policy)).map(ExperimentRunner.Done::result).findFirst().orElse(null);
    }
}
