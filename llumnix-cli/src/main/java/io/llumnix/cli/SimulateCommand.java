package io.llumnix.cli;

import io.llumnix.sim.experiment.ExperimentOptions;
import io.llumnix.sim.experiment.ExperimentResult;
import io.llumnix.sim.experiment.Experiments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix simulate}: runs the cluster simulator — the real engine step loop, scheduler and
 * rescheduler on a virtual clock — either one of the paper's experiments or a replay of a trace under
 * several policies; prints tables and writes a report folder (CSV, PNG plots, index.html) and optionally a
 * JSON summary.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulates a cluster on the real policy code: --experiment serving|priorities|autoscaling|scale|azure|validation, "
                + "or --trace FILE --policies a,b,c.")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--experiment", paramLabel = "NAME", description = "One of: serving, priorities, autoscaling, scale, azure, validation.")
    Optional<String> experiment = Optional.empty();

    @Option(names = "--trace", paramLabel = "FILE", description = "Replay this trace (Azure 2023 CSV, Mooncake JSONL, ShareGPT lengths CSV).")
    Optional<Path> trace = Optional.empty();

    @Option(names = "--policies", paramLabel = "P,P,…", split = ",",
            description = "Policies to compare: round-robin, load-balance, infaas++, llumnix (default: the experiment's own; all for a trace).")
    List<String> policies = List.of();

    @Option(names = "--instances", paramLabel = "N", description = "Instances (default: the experiment's own; 16 for a trace).")
    Optional<Integer> instances = Optional.empty();

    @Option(names = "--requests", paramLabel = "N", description = "Requests per run (default: the experiment's own).")
    Optional<Integer> requests = Optional.empty();

    @Option(names = "--rate", paramLabel = "REQ_PER_S", description = "Trace mode: arrival rate (rescales a trace with timestamps).")
    Optional<Double> rate = Optional.empty();

    @Option(names = "--profile", paramLabel = "FILE", description = "Latency profile (default: the paper's LLaMA-7B on one A10).")
    Optional<Path> profile = Optional.empty();

    @Option(names = "--rescheduling-interval-ms", paramLabel = "MS", defaultValue = "100",
            description = "Rescheduling interval of the llumnix policy (default ${DEFAULT-VALUE}).")
    long reschedulingIntervalMs = 100;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", description = "Seed of workloads and simulation (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--quick", description = "Tiny sizes: a smoke run in seconds.")
    boolean quick;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "sim-report",
            description = "Where the report folder goes (default ${DEFAULT-VALUE}).")
    Path reportDir = Path.of("sim-report");

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the headline ratios as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        if (experiment.isPresent() == trace.isPresent()) {
            throw new UserException("give exactly one of --experiment NAME (" + String.join(", ", Experiments.names()) + ") or --trace FILE");
        }
        if (reschedulingIntervalMs <= 0) {
            throw new UserException("--rescheduling-interval-ms must be positive, got " + reschedulingIntervalMs);
        }
        ExperimentOptions options = ExperimentOptions.defaults()
                .withReportDir(reportDir)
                .withQuick(quick)
                .withSeed(seed)
                .withPolicies(policies)
                .withReschedulingInterval(Duration.ofMillis(reschedulingIntervalMs));
        if (profile.isPresent()) {
            ModelOptions.requireFile(profile.get(), "--profile");
            options = options.withProfile(profile.get());
        }
        if (instances.isPresent()) {
            options = options.withInstances(instances.get());
        }
        if (requests.isPresent()) {
            options = options.withRequests(requests.get());
        }
        if (rate.isPresent()) {
            options = options.withRate(rate.get());
        }
        ExperimentResult result;
        if (trace.isPresent()) {
            if (!Files.isRegularFile(trace.get())) {
                throw new UserException("--trace " + trace.get() + ": no such file");
            }
            result = Experiments.runTrace(options.withTrace(trace.get()), main.out());
        } else {
            result = Experiments.run(experiment.get(), options, main.out());
        }
        json.ifPresent(file -> JsonOutput.write(file, result.summary()));
        return 0;
    }
}
