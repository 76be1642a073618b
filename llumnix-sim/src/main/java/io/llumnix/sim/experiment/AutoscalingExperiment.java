package io.llumnix.sim.experiment;

import io.llumnix.sim.core.AutoScalingConfig;
import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.Charts;
import io.llumnix.sim.report.InstanceTimeline;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.ArrivalProcess;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's Figs. 14–15: auto-scaling with the same freeness thresholds (10 / 60) under Llumnix (drains by
 * migration) and INFaaS++ (drains by waiting), over Poisson rates and a bursty Gamma trace. Headlines per setting:
 * INFaaS++'s P99 prefill and end-to-end latency over Llumnix's, and Llumnix's instance-seconds over INFaaS++'s.
 */
final class AutoscalingExperiment {

    private AutoscalingExperiment() {}

    private record Setting(String name, ArrivalProcess arrivals) {}

    static ExperimentResult run(ExperimentOptions o, PrintStream out) {
        LatencyProfile profile = ExperimentSupport.profile(o);
        int max = o.instances().orElse(o.quick() ? 4 : 16);
        int n = o.requests().orElse(o.quick() ? 200 : 3000);
        double f = max / 16.0;
        List<Setting> settings = o.quick()
                ? List.of(new Setting("poisson", ArrivalProcess.of(6 * f * 4, 1)))
                : List.of(new Setting("poisson-4", ArrivalProcess.of(4 * f, 1)), new Setting("poisson-7", ArrivalProcess.of(7 * f, 1)),
                        new Setting("poisson-10", ArrivalProcess.of(10 * f, 1)), new Setting("gamma-cv4-7", ArrivalProcess.of(7 * f, 4)));
        List<ExperimentRunner.Job> jobs = new ArrayList<>();
        for (int i = 0; i < settings.size(); i++) {
            Setting s = settings.get(i);
            Workload w = ExperimentSupport.zipf(s.name(), s.arrivals(), 256, 256, 0, n, o.seed(), profile);
            for (String p : List.of("infaas++", "llumnix")) {
                AutoScalingConfig scaling = AutoScalingConfig.paper(1, max);
                SimulationConfig c = SimulationConfig.builder(profile).instances(1).policy(p).autoScaling(scaling).seed(o.seed())
                        .reschedulingInterval(o.reschedulingInterval()).build();
                jobs.add(new ExperimentRunner.Job(s.name(), s.arrivals().ratePerSecond(), c, w));
            }
        }
        List<ExperimentRunner.Done> runs;
        try (ExperimentRunner runner = new ExperimentRunner("autoscaling", ExperimentRunner.totalRequests(jobs), o.progress())) {
            runs = runner.runAll(jobs);
        }
        ReportWriter report = new ReportWriter(o.reportDir().resolve("autoscaling"),
                "autoscaling: Llumnix vs INFaaS++ scaling between 1 and " + max + " instances, average freeness thresholds 10 / 60");
        Table table = ExperimentSupport.resultsTable("rate", runs);
        report.table("results", table);
        Map<String, Object> ttftRatio = new LinkedHashMap<>();
        Map<String, Object> e2eRatio = new LinkedHashMap<>();
        Map<String, Object> costRatio = new LinkedHashMap<>();
        List<String> headlines = new ArrayList<>();
        for (Setting s : settings) {
            List<ExperimentRunner.Done> g = runs.stream().filter(d -> d.job().group().equals(s.name())).toList();
            SimulationResult infaas = ServingExperiment.find(g, "infaas+++scaling");
            SimulationResult llumnix = ServingExperiment.find(g, "llumnix+scaling");
            double tr = infaas.summary().ttft().p99() / llumnix.summary().ttft().p99();
            double er = infaas.summary().e2e().p99() / llumnix.summary().e2e().p99();
            double cr = llumnix.instanceSeconds() / infaas.instanceSeconds();
            ttftRatio.put(s.name(), ExperimentSupport.round(tr));
            e2eRatio.put(s.name(), ExperimentSupport.round(er));
            costRatio.put(s.name(), ExperimentSupport.round(cr));
            headlines.add(String.format(Locale.ROOT,
                    "%s: P99 prefill INFaaS++/Llumnix %.2fx, P99 e2e %.2fx; instance-seconds Llumnix %.0f vs INFaaS++ %.0f (%+.1f%%)",
                    s.name(), tr, er, llumnix.instanceSeconds(), infaas.instanceSeconds(), 100 * (cr - 1)));
            Map<String, InstanceTimeline> tl = new LinkedHashMap<>();
            long end = 0;
            for (ExperimentRunner.Done d : g) {
                tl.put(d.job().policy(), d.result().timeline());
                end = Math.max(end, d.result().simulatedNanos());
            }
            report.heading(s.name());
            report.chart(s.name() + "-instances", Charts.instancesOverTime(s.name() + ": instances over time", tl, end));
            ExperimentSupport.ttftCdf(report, s.name() + "-ttft-cdf", s.name() + ": TTFT CDF", g);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", "autoscaling");
        summary.put("max_instances", max);
        summary.put("p99_prefill_infaas_over_llumnix", ttftRatio);
        summary.put("p99_e2e_infaas_over_llumnix", e2eRatio);
        summary.put("instance_seconds_llumnix_over_infaas", costRatio);
        return ExperimentSupport.finish("autoscaling", report, table, summary, headlines, out);
    }
}
