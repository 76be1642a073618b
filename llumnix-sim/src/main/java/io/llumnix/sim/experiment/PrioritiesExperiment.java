package io.llumnix.sim.experiment;

import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.RunSummary;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.GammaArrivals;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's Fig. 13: bursty Gamma arrivals (CV 2 to 8) with 10% high-priority requests, Llumnix with and without
 * priorities. Headlines per CV: the high-priority P99 prefill speed-up and the normal requests' end-to-end slowdown.
 */
final class PrioritiesExperiment {

    /**
     * Arrival rate on 16 instances: about 90% of what they sustain on these lengths over a long run (KV memory is the
     * bottleneck: the Zipf tail holds up to 6144-token contexts for minutes), so the bursts of a Gamma process queue
     * requests at every CV, which is where priorities matter. Below it a calm run barely queues, and the high-priority
     * P99 is the bare prefill of the longest prompts (about 1.5 s at 6k tokens) with or without priorities; well above
     * it the backlog grows without bound and every comparison is about the backlog.
     */
    static final double RATE_PER_16_INSTANCES = 9.0;

    /**
     * Requests per run: about 1,100 s of arrivals, several lifetimes of the longest requests (so the run reaches its
     * steady state rather than measuring the fill-up), and about 1,000 high-priority requests behind their P99.
     */
    static final int DEFAULT_REQUESTS = 10_000;

    private PrioritiesExperiment() {}

    static ExperimentResult run(ExperimentOptions o, PrintStream out) {
        LatencyProfile profile = ExperimentSupport.profile(o);
        int instances = o.instances().orElse(o.quick() ? 4 : 16);
        int n = o.requests().orElse(o.quick() ? 200 : DEFAULT_REQUESTS);
        double rate = o.rate().orElse(RATE_PER_16_INSTANCES * instances / 16.0);
        double[] cvs = o.quick() ? new double[] {4} : new double[] {2, 4, 6, 8};
        List<ExperimentRunner.Job> jobs = new ArrayList<>();
        for (double cv : cvs) {
            Workload w = ExperimentSupport.zipf("gamma-cv" + Table.num(cv), new GammaArrivals(rate, cv), 256, 256, 0.1, n, o.seed(), profile);
            for (boolean priorities : List.of(false, true)) {
                SimulationConfig c = SimulationConfig.builder(profile).instances(instances).policy("llumnix").priorities(priorities)
                        .seed(o.seed()).reschedulingInterval(o.reschedulingInterval()).build();
                jobs.add(new ExperimentRunner.Job("zipf-256-256 gamma", cv, c, w));
            }
        }
        List<ExperimentRunner.Done> runs;
        try (ExperimentRunner runner = new ExperimentRunner("priorities", ExperimentRunner.totalRequests(jobs), o.progress())) {
            runs = runner.runAll(jobs);
        }
        ReportWriter report = new ReportWriter(o.reportDir().resolve("priorities"),
                "priorities: Llumnix with vs without priorities, 10% high priority, Gamma arrivals at " + Table.num(rate) + " req/s on "
                        + instances + " instances (paper Fig. 13)");
        List<RunSummary> byClass = new ArrayList<>();
        Map<String, Object> speedup = new LinkedHashMap<>();
        Map<String, Object> slowdown = new LinkedHashMap<>();
        List<String> headlines = new ArrayList<>();
        for (double cv : cvs) {
            SimulationResult without = null;
            SimulationResult with = null;
            for (ExperimentRunner.Done d : runs) {
                if (d.job().x() == cv) {
                    if (d.job().config().priorities()) {
                        with = d.result();
                    } else {
                        without = d.result();
                    }
                }
            }
            RunSummary hiWithout = RunSummary.of("cv" + Table.num(cv) + " llumnix", without.records(), Priority.HIGH);
            RunSummary hiWith = RunSummary.of("cv" + Table.num(cv) + " llumnix+priorities", with.records(), Priority.HIGH);
            RunSummary loWithout = RunSummary.of("cv" + Table.num(cv) + " llumnix", without.records(), Priority.NORMAL);
            RunSummary loWith = RunSummary.of("cv" + Table.num(cv) + " llumnix+priorities", with.records(), Priority.NORMAL);
            byClass.addAll(List.of(hiWithout, hiWith, loWithout, loWith));
            double s = hiWithout.ttft().p99() / hiWith.ttft().p99();
            double slow = loWith.e2e().mean() / loWithout.e2e().mean() - 1;
            speedup.put(Table.num(cv), ExperimentSupport.round(s));
            slowdown.put(Table.num(cv), ExperimentSupport.round(slow));
            headlines.add(String.format(Locale.ROOT,
                    "CV %s: high-priority P99 prefill %.0f -> %.0f ms (%.2fx better); normal mean e2e %.0f -> %.0f ms (%+.1f%%)",
                    Table.num(cv), hiWithout.ttft().p99(), hiWith.ttft().p99(), s, loWithout.e2e().mean(), loWith.e2e().mean(), 100 * slow));
        }
        Table table = Table.of(byClass);
        report.heading("By priority class");
        report.table("by-priority", table);
        report.heading("All runs");
        report.table("results", ExperimentSupport.resultsTable("cv", runs));
        Map<String, double[]> hiTtft = new LinkedHashMap<>();
        for (ExperimentRunner.Done d : runs) {
            if (d.job().x() == cvs[cvs.length - 1]) {
                hiTtft.put(d.job().policy() + " [high]", d.result().records().stream().filter(r -> r.priority() == Priority.HIGH)
                        .mapToDouble(r -> r.ttftMs()).toArray());
            }
        }
        report.chart("high-priority-ttft-cdf", io.llumnix.sim.report.Charts.cdf("high-priority TTFT, CV " + Table.num(cvs[cvs.length - 1]),
                "TTFT (ms)", hiTtft));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", "priorities");
        summary.put("instances", instances);
        summary.put("rate", rate);
        summary.put("high_priority_p99_prefill_speedup", speedup);
        summary.put("normal_e2e_slowdown", slowdown);
        return ExperimentSupport.finish("priorities", report, table, summary, headlines, out);
    }
}
