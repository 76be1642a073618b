package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * How to run an experiment. {@link #defaults()} gives each experiment its documented size (a few minutes on two
 * cores); {@code quick} shrinks every experiment to seconds (what tests use). Overrides left empty keep the
 * experiment's own choice.
 *
 * @param reportDir folder the report is written to (created; one sub-folder per experiment)
 * @param quick tiny sizes, for tests and smoke runs
 * @param seed seeds workloads and the simulation
 * @param profile a latency profile file; empty for the paper's LLaMA-7B on A10
 * @param instances override the experiment's instance count
 * @param requests override the experiment's requests per run
 * @param trace trace mode: the file to replay ({@link Experiments#runTrace})
 * @param policies trace mode (or to restrict an experiment): policies to compare; empty for the experiment's own
 * @param rate trace mode: for length-only traces (ShareGPT) the Poisson arrival rate; for traces with arrivals, a
 *     target mean rate (rescaled); empty keeps the trace's own rate
 * @param reschedulingInterval {@code --rescheduling-interval-ms} of the llumnix policy
 * @param progress draw a progress bar (only when a console is attached)
 */
public record ExperimentOptions(
        Path reportDir,
        boolean quick,
        long seed,
        Optional<Path> profile,
        OptionalInt instances,
        OptionalInt requests,
        Optional<Path> trace,
        List<String> policies,
        OptionalDouble rate,
        Duration reschedulingInterval,
        boolean progress) {

    public ExperimentOptions {
        requireNonNull(reportDir, "reportDir is null");
        requireNonNull(profile, "profile is null");
        requireNonNull(instances, "instances is null");
        requireNonNull(requests, "requests is null");
        requireNonNull(trace, "trace is null");
        policies = List.copyOf(policies);
        requireNonNull(rate, "rate is null");
        requireNonNull(reschedulingInterval, "reschedulingInterval is null");
        if (instances.isPresent() && instances.getAsInt() < 1) {
            throw new IllegalArgumentException("--instances must be at least 1, got " + instances.getAsInt());
        }
        if (requests.isPresent() && requests.getAsInt() < 1) {
            throw new IllegalArgumentException("--requests must be at least 1, got " + requests.getAsInt());
        }
        if (rate.isPresent() && !(rate.getAsDouble() > 0)) {
            throw new IllegalArgumentException("--rate must be positive, got " + rate.getAsDouble());
        }
        if (reschedulingInterval.isNegative() || reschedulingInterval.isZero()) {
            throw new IllegalArgumentException("--rescheduling-interval-ms must be positive");
        }
    }

    /** Report under {@code sim-report/}, full size, seed 42, paper profile, progress bar when interactive. */
    public static ExperimentOptions defaults() {
        return new ExperimentOptions(Path.of("sim-report"), false, 42, Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), List.of(), OptionalDouble.empty(), Duration.ofMillis(100), true);
    }

    public ExperimentOptions withReportDir(Path dir) {
        return new ExperimentOptions(dir, quick, seed, profile, instances, requests, trace, policies, rate, reschedulingInterval, progress);
    }

    public ExperimentOptions withQuick(boolean q) {
        return new ExperimentOptions(reportDir, q, seed, profile, instances, requests, trace, policies, rate, reschedulingInterval, progress);
    }

    public ExperimentOptions withSeed(long s) {
        return new ExperimentOptions(reportDir, quick, s, profile, instances, requests, trace, policies, rate, reschedulingInterval, progress);
    }

    public ExperimentOptions withProfile(Path file) {
        return new ExperimentOptions(reportDir, quick, seed, Optional.of(file), instances, requests, trace, policies, rate,
                reschedulingInterval, progress);
    }

    public ExperimentOptions withInstances(int n) {
        return new ExperimentOptions(reportDir, quick, seed, profile, OptionalInt.of(n), requests, trace, policies, rate,
                reschedulingInterval, progress);
    }

    public ExperimentOptions withRequests(int n) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, OptionalInt.of(n), trace, policies, rate,
                reschedulingInterval, progress);
    }

    public ExperimentOptions withTrace(Path file) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, requests, Optional.of(file), policies, rate,
                reschedulingInterval, progress);
    }

    public ExperimentOptions withPolicies(List<String> names) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, requests, trace, names, rate, reschedulingInterval,
                progress);
    }

    public ExperimentOptions withRate(double r) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, requests, trace, policies, OptionalDouble.of(r),
                reschedulingInterval, progress);
    }

    public ExperimentOptions withReschedulingInterval(Duration d) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, requests, trace, policies, rate, d, progress);
    }

    public ExperimentOptions withProgress(boolean p) {
        return new ExperimentOptions(reportDir, quick, seed, profile, instances, requests, trace, policies, rate, reschedulingInterval, p);
    }
}
