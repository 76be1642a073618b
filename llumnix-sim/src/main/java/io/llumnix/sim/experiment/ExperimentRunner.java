package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.core.ClusterSimulation;
import io.llumnix.sim.core.SimulationConfig;
import io.llumnix.sim.core.SimulationResult;
import io.llumnix.sim.report.RunSummary;
import io.llumnix.sim.report.Table;
import io.llumnix.sim.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jspecify.annotations.Nullable;

/**
 * Runs an experiment's simulations one after another, with one progress bar over all their requests when a
 * console is attached, and keeps the results for the report. Not thread-safe.
 */
final class ExperimentRunner implements AutoCloseable {

    /**
     * One simulation of an experiment.
     *
     * @param group what varies besides the policy (a trace, a CV, a cluster size)
     * @param x the swept value (a rate, a CV, an instance count)
     */
    record Job(String group, double x, SimulationConfig config, Workload workload) {
        String policy() {
            return config.policy() + (config.priorities() ? "+priorities" : "") + (config.autoScaling().isPresent() ? "+scaling" : "");
        }
    }

    record Done(Job job, SimulationResult result) {
        RunSummary summary() {
            return RunSummary.of(job.group() + " " + job.policy() + " @" + Table.num(job.x()), result.records());
        }
    }

    private final @Nullable ProgressBar bar;
    private final List<Done> done = new ArrayList<>();
    private long base;

    ExperimentRunner(String task, long totalRequests, boolean progress) {
        this.bar = progress && System.console() != null
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(totalRequests).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).build()
                : null;
    }

    static long totalRequests(List<Job> jobs) {
        return jobs.stream().mapToLong(j -> j.workload().size()).sum();
    }

    SimulationResult run(Job job) {
        requireNonNull(job, "job is null");
        ProgressBar b = bar;
        long offset = base;
        SimulationResult r = ClusterSimulation.run(job.config(), job.workload(), b == null ? n -> { } : n -> {
            if ((n & 63) == 0 || n == job.workload().size()) {
                b.stepTo(offset + n);
            }
        });
        base += job.workload().size();
        done.add(new Done(job, r));
        return r;
    }

    List<Done> runAll(List<Job> jobs) {
        List<Done> out = new ArrayList<>();
        for (Job j : jobs) {
            run(j);
            out.add(done.getLast());
        }
        return out;
    }

    List<Done> done() {
        return List.copyOf(done);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
