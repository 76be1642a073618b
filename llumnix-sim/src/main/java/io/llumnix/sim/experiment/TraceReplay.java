package io.llumnix.sim.experiment;

import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimPolicies;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.PoissonArrivals;
import io.llumnix.sim.workload.parser.SharedTraces;
import io.llumnix.sim.workload.parser.TraceFormat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Replays trace files under several policies: {@code --trace FILE --policies a,b,c} for any trace, and the
 * {@code azure} experiment (the Azure 2023 conversation and code traces at their real rate on 16 instances, every
 * policy). Mooncake traces keep their shared prefixes (engine prefix caching on); ShareGPT lengths need {@code --rate}.
 */
final class TraceReplay {

    private TraceReplay() {}

    static ExperimentResult azure(ExperimentOptions o, PrintStream out) {
        Path dir = SharedTraces.require();
        List<Path> files = List.of(dir.resolve(SharedTraces.AZURE_CONV), dir.resolve(SharedTraces.AZURE_CODE));
        int instances = o.instances().orElse(o.quick() ? 4 : 16);
        return replay("azure", files, o.policies().isEmpty() ? SimPolicies.names() : o.policies(), instances,
                o.quick() ? o.withRequests(o.requests().orElse(200)) : o, out);
    }

    static ExperimentResult trace(ExperimentOptions o, PrintStream out) {
        Path file = o.trace().orElseThrow(() -> new IllegalArgumentException("trace mode needs --trace FILE"));
        return replay("trace", List.of(file), o.policies().isEmpty() ? SimPolicies.names() : o.policies(), o.instances().orElse(16), o, out);
    }

    private static ExperimentResult replay(String name, List<Path> files, List<String> policies, int instances, ExperimentOptions o,
            PrintStream out) {
        policies.forEach(SimPolicies::checkName);
        LatencyProfile profile = ExperimentSupport.profile(o);
        List<ExperimentRunner.Job> jobs = new ArrayList<>();
        for (Path f : files) {
            Workload w = load(f, o, profile);
            for (String p : policies) {
                SimulationConfig c = SimulationConfig.builder(profile).instances(instances).policy(p).seed(o.seed())
                        .prefixCaching(w.requests().stream().anyMatch(r -> !r.prefix().isEmpty()))
                        .reschedulingInterval(o.reschedulingInterval()).build();
                jobs.add(new ExperimentRunner.Job(w.name(), ExperimentSupport.round(w.meanRatePerSecond()), c, w));
            }
        }
        List<ExperimentRunner.Done> runs;
        try (ExperimentRunner runner = new ExperimentRunner(name, ExperimentRunner.totalRequests(jobs), o.progress())) {
            runs = runner.runAll(jobs);
        }
        ReportWriter report = new ReportWriter(o.reportDir().resolve(name), name + ": " + files.stream().map(Path::getFileName)
                .map(Path::toString).toList() + " on " + instances + " instances");
        Table table = ExperimentSupport.resultsTable("rate", runs);
        report.table("results", table);
        Map<String, Object> p99 = new LinkedHashMap<>();
        Map<String, Object> loss = new LinkedHashMap<>();
        List<String> headlines = new ArrayList<>();
        for (String group : runs.stream().map(d -> d.job().group()).distinct().toList()) {
            List<ExperimentRunner.Done> g = runs.stream().filter(d -> d.job().group().equals(group)).toList();
            report.heading(group);
            ExperimentSupport.ttftCdf(report, safe(group) + "-ttft-cdf", group + ": TTFT CDF", g);
            Map<String, Object> gp = new LinkedHashMap<>();
            Map<String, Object> gl = new LinkedHashMap<>();
            for (ExperimentRunner.Done d : g) {
                gp.put(d.job().policy(), ExperimentSupport.round(d.result().summary().ttft().p99()));
                gl.put(d.job().policy(), ExperimentSupport.round(d.result().summary().meanPreemptionLossMs()));
                headlines.add(String.format(Locale.ROOT, "%s %s: P99 TTFT %.0f ms, mean e2e %.0f ms, preemption loss %.1f ms, %d migrations",
                        group, d.job().policy(), d.result().summary().ttft().p99(), d.result().summary().e2e().mean(),
                        d.result().summary().meanPreemptionLossMs(), d.result().committedMigrations()));
            }
            p99.put(group, gp);
            loss.put(group, gl);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", name);
        summary.put("instances", instances);
        summary.put("p99_ttft_ms", p99);
        summary.put("preemption_loss_mean_ms", loss);
        return ExperimentSupport.finish(name, report, table, summary, headlines, out);
    }

    private static Workload load(Path file, ExperimentOptions o, LatencyProfile profile) {
        TraceFormat format = TraceFormat.detect(file);
        Workload w;
        if (format.hasArrivals()) {
            w = format.readWorkload(file);
            if (o.rate().isPresent()) {
                w = w.withMeanRate(o.rate().getAsDouble());
            }
        } else {
            double rate = o.rate().orElseThrow(() -> new IllegalArgumentException(file + " has no arrival times; give --rate"));
            w = ExperimentSupport.pooled(format.formatName(), new PoissonArrivals(rate), format.readLengths(file),
                    o.requests().orElse(10_000), o.seed(), profile);
        }
        if (o.requests().isPresent()) {
            w = w.first(o.requests().getAsInt());
        }
        return w.capTotalTokens(profile.maxSeqLen());
    }

    private static String safe(String s) {
        String t = s.replaceAll("[^A-Za-z0-9._-]", "-");
        return t.isEmpty() || !Character.isLetterOrDigit(t.charAt(0)) ? "w" + t : t;
    }
}
