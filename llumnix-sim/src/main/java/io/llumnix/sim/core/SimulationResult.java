package io.llumnix.sim.core;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.report.InstanceTimeline;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.report.RunSummary;
import java.util.List;

/**
 * What one simulation run produced.
 *
 * @param label policy and workload, for reports
 * @param records one per request, in workload order
 * @param migrations every migration attempt, in start order
 * @param timeline instances up (launched and not yet removed) over time
 * @param simulatedNanos virtual time at which the last request finished
 * @param wallNanos wall time the run took
 * @param cpuNanos CPU time of the simulating thread (what the run costs when other processes share the cores)
 * @param steps engine steps executed across all instances
 * @param preemptions preemptions across all instances
 */
public record SimulationResult(
        String label,
        List<RequestRecord> records,
        List<MigrationRecord> migrations,
        InstanceTimeline timeline,
        long simulatedNanos,
        long wallNanos,
        long cpuNanos,
        long steps,
        long preemptions) {

    public SimulationResult {
        requireNonNull(label, "label is null");
        records = List.copyOf(records);
        migrations = List.copyOf(migrations);
        requireNonNull(timeline, "timeline is null");
    }

    /** The paper's headline numbers over all requests. */
    public RunSummary summary() {
        return RunSummary.of(label, records);
    }

    public long committedMigrations() {
        return migrations.stream().filter(MigrationRecord::committed).count();
    }

    /** Instance-seconds from the start to the last finish. */
    public double instanceSeconds() {
        return timeline.instanceSeconds(simulatedNanos);
    }

    /** Simulated seconds per wall-clock second. */
    public double speedup() {
        return wallNanos == 0 ? 0 : (double) simulatedNanos / wallNanos;
    }
}
