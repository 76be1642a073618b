package io.llumnix.sim.experiment;

import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.Charts;
import io.llumnix.sim.report.ReportWriter;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.PoissonArrivals;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * Simulator scale: Llumnix on 64 → 1024 instances with the load per instance fixed (Zipf 256/256, Poisson) and
 * 100,000 requests at 1024 instances. Headlines: wall time and simulated seconds per wall second per size; the goal
 * is 1024 instances and 100k requests within 10 minutes on two cores.
 */
final class ScaleExperiment {

    /** Requests per instance, so that 1024 instances get 100,000 requests. */
    private static final double REQUESTS_PER_INSTANCE = 100_000 / 1024.0;

    /** Arrival rate per instance: a busy cluster (about 60% of the rate at which queues start to grow). */
    private static final double RATE_PER_INSTANCE = 0.55;

    private ScaleExperiment() {}

    static ExperimentResult run(ExperimentOptions o, PrintStream out) {
        LatencyProfile profile = ExperimentSupport.profile(o);
        int[] sizes = o.instances().isPresent() ? new int[] {o.instances().getAsInt()}
                : o.quick() ? new int[] {8, 16} : new int[] {64, 256, 1024};
        List<String> policies = o.policies().isEmpty() ? List.of("llumnix") : o.policies();
        List<ExperimentRunner.Job> jobs = new ArrayList<>();
        for (int size : sizes) {
            int n = o.requests().orElse((int) Math.round(size * REQUESTS_PER_INSTANCE * (o.quick() ? 0.2 : 1)));
            Workload w = ExperimentSupport.zipf("zipf-256-256", new PoissonArrivals(RATE_PER_INSTANCE * size), 256, 256, 0, n, o.seed(),
                    profile);
            for (String p : policies) {
                SimulationConfig c = SimulationConfig.builder(profile).instances(size).policy(p).seed(o.seed())
                        .reschedulingInterval(o.reschedulingInterval()).build();
                jobs.add(new ExperimentRunner.Job("zipf-256-256 @" + Table.num(RATE_PER_INSTANCE) + " req/s/instance", size, c, w));
            }
        }
        List<ExperimentRunner.Done> runs;
        try (ExperimentRunner runner = new ExperimentRunner("scale", ExperimentRunner.totalRequests(jobs), o.progress())) {
            runs = runner.runAll(jobs);
        }
        ReportWriter report = new ReportWriter(o.reportDir().resolve("scale"), "scale: simulator speed from " + sizes[0] + " to "
                + sizes[sizes.length - 1] + " instances");
        Table table = ExperimentSupport.resultsTable("instances", runs);
        report.table("results", table);
        Map<String, Object> wall = new LinkedHashMap<>();
        Map<String, Object> cpu = new LinkedHashMap<>();
        Map<String, Object> speed = new LinkedHashMap<>();
        Map<String, Object> requests = new LinkedHashMap<>();
        List<String> headlines = new ArrayList<>();
        for (ExperimentRunner.Done d : runs) {
            SimulationResult r = d.result();
            String key = Integer.toString((int) d.job().x()) + (policies.size() > 1 ? " " + d.job().policy() : "");
            wall.put(key, ExperimentSupport.round(r.wallNanos() / 1e9));
            cpu.put(key, ExperimentSupport.round(r.cpuNanos() / 1e9));
            speed.put(key, ExperimentSupport.round(r.speedup()));
            requests.put(key, r.records().size());
            headlines.add(String.format(Locale.ROOT, "%d instances, %d requests (%s): %.1f s wall (%.1f s CPU), %.0f s simulated, %.1f simulated s per wall s, "
                    + "%d steps, %d migrations", (int) d.job().x(), r.records().size(), d.job().policy(), r.wallNanos() / 1e9,
                    r.cpuNanos() / 1e9, r.simulatedNanos() / 1e9, r.speedup(), r.steps(), r.committedMigrations()));
        }
        for (String p : ExperimentSupport.policiesOf(runs)) {
            XYChart c = Charts.latencyVsRate("wall time per run", "wall time (s)", List.of(ExperimentSupport.series(p, runs,
                    r -> r.wallNanos() / 1e9)));
            c.setXAxisTitle("instances");
            report.chart("wall-time-" + p.replaceAll("[^A-Za-z0-9]", ""), c);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", "scale");
        summary.put("wall_seconds", wall);
        summary.put("cpu_seconds", cpu);
        summary.put("sim_seconds_per_wall_second", speed);
        summary.put("requests", requests);
        summary.put("rate_per_instance", RATE_PER_INSTANCE);
        return ExperimentSupport.finish("scale", report, table, summary, headlines, out);
    }
}
