package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The simulator's experiments by name, for {@code llumnix simulate}:
 * <ul>
 *   <li>{@code serving} — paper Fig. 11: round-robin vs INFaaS++ vs Llumnix over a rate sweep (ShareGPT, Zipf
 *       traces), 16 instances; summary {@code p99_prefill_infaas_over_llumnix}, {@code preemption_loss_reduction_vs_rr};</li>
 *   <li>{@code priorities} — Fig. 13: Gamma CV 2–8 with 10% high priority; {@code high_priority_p99_prefill_speedup},
 *       {@code normal_e2e_slowdown};</li>
 *   <li>{@code autoscaling} — Figs. 14–15: Llumnix vs INFaaS++ scaling; latency ratios and
 *       {@code instance_seconds_llumnix_over_infaas};</li>
 *   <li>{@code scale} — 64 → 1024 instances, 100k requests; {@code wall_seconds}, {@code sim_seconds_per_wall_second};</li>
 *   <li>{@code azure} — the Azure 2023 conv and code traces at their real rate, 16 instances, every policy;</li>
 *   <li>{@code validation} — the simulator against a real local cluster of paced CPU engines on one small workload;
 *       {@code validation_error} per metric (mean and P99 TTFT and end-to-end latency).</li>
 * </ul>
 * and {@link #runTrace} for {@code --trace FILE --policies …}.
 *
 * <pre>{@code
 * ExperimentResult r = Experiments.run("serving", ExperimentOptions.defaults().withQuick(true), System.out);
 * Object ratios = r.summary().get("p99_prefill_infaas_over_llumnix");
 * }</pre>
 *
 * <p>Stateless; each run is single-threaded and reproducible from the options' seed.
 */
public final class Experiments {

    private static final Map<String, BiFunction<ExperimentOptions, PrintStream, ExperimentResult>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("serving", ServingExperiment::run);
        REGISTRY.put("priorities", PrioritiesExperiment::run);
        REGISTRY.put("autoscaling", AutoscalingExperiment::run);
        REGISTRY.put("scale", ScaleExperiment::run);
        REGISTRY.put("azure", TraceReplay::azure);
        REGISTRY.put("validation", ValidationExperiment::run);
    }

    private Experiments() {}

    /** Valid experiment names. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * Runs the experiment {@code name}, printing its table and headline ratios to {@code out} and writing its report
     * under {@code options.reportDir()/name}.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the valid ones)
     */
    public static ExperimentResult run(String name, ExperimentOptions options, PrintStream out) {
        requireNonNull(name, "name is null");
        requireNonNull(options, "options is null");
        requireNonNull(out, "out is null");
        var experiment = REGISTRY.get(name);
        if (experiment == null) {
            throw new IllegalArgumentException("unknown experiment '" + name + "'; valid experiments: " + String.join(", ", names()));
        }
        return experiment.apply(options, out);
    }

    /** Replays {@code options.trace()} under {@code options.policies()} (every policy when empty); report under {@code trace/}. */
    public static ExperimentResult runTrace(ExperimentOptions options, PrintStream out) {
        return TraceReplay.trace(requireNonNull(options, "options is null"), requireNonNull(out, "out is null"));
    }
}
