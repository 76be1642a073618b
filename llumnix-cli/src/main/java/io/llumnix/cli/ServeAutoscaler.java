package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InstanceStatus;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.DispatchLedger;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.autoscale.AutoscaleAdvice;
import io.llumnix.scheduler.autoscale.AutoscaleAdvisor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code llumnix serve --autoscale}: acts on the {@link AutoscaleAdvisor}'s advice with local child engines. On
 * {@code SCALE_UP} it starts one more child ({@link EngineFleet#addInstance}); on {@code SCALE_DOWN} it drains the
 * advised instance — adds it to the shared {@code draining} set, which the serve process's snapshot source turns
 * into an unschedulable status, so the scheduler sends it nothing new and the rescheduler's failover policy migrates
 * its requests away — waits until the instance has no request left (by its status and the dispatch ledger), then
 * stops the child. One action at a time; after an action it waits for the snapshot to show the new cluster size, so
 * the advisor's settle timer (which restarts when the size changes) applies before the next one. Each action is
 * logged on serve's output.
 *
 * <p>Thread-safe: a single virtual thread acts; {@link #close()} stops it.
 */
final class ServeAutoscaler implements AutoCloseable {

    private static final Duration TICK = Duration.ofMillis(100);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
    /** A drained instance must look empty for this long before it is stopped: a request dispatched just before the drain may still be in flight. */
    private static final Duration EMPTY_FOR = Duration.ofMillis(500);

    private final AutoscaleAdvisor advisor;
    private final EngineFleet fleet;
    private final Set<String> draining;
    private final Supplier<ClusterSnapshot> snapshots;
    private final DispatchLedger ledger;
    private final PrintStream log;
    private final Duration startupTimeout;
    private final Thread thread;
    private volatile boolean closed;

    ServeAutoscaler(AutoscaleAdvisor advisor, EngineFleet fleet, Set<String> draining, Supplier<ClusterSnapshot> snapshots, DispatchLedger ledger,
            PrintStream log, Duration startupTimeout) {
        this.advisor = requireNonNull(advisor, "advisor is null");
        this.fleet = requireNonNull(fleet, "fleet is null");
        this.draining = requireNonNull(draining, "draining is null");
        this.snapshots = requireNonNull(snapshots, "snapshots is null");
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.log = requireNonNull(log, "log is null");
        this.startupTimeout = requireNonNull(startupTimeout, "startupTimeout is null");
        this.thread = Thread.ofVirtual().name("llumnix-serve-autoscaler").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(TICK);
                act(advisor.advice());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logLine("llumnix serve: autoscale: " + e.getMessage() + "; trying again on the next advice");
            }
        }
    }

    private void act(AutoscaleAdvice advice) throws InterruptedException {
        int serving = fleet.liveInstances().size() - draining.size();
        switch (advice.action()) {
            case HOLD -> { }
            case SCALE_UP -> {
                if (serving >= advisor.config().maxInstances()
                        || (advice.instances() < advisor.config().minInstances() && serving >= advisor.config().minInstances())) {
                    return; // at the bound, or an instance's status is missing rather than an instance
                }
                logLine("llumnix serve: autoscale: scaling up from " + serving + " instances (" + advice.reason() + ")");
                EngineFleet.Instance added = fleet.addInstance(startupTimeout);
                logLine("llumnix serve: autoscale: " + added.instanceId() + " (pid " + added.pid() + ") serves at " + added.baseUrl());
                awaitInSnapshot(added.instanceId(), true);
            }
            case SCALE_DOWN -> {
                String id = advice.drainCandidate().orElseThrow();
                if (serving <= advisor.config().minInstances() || draining.contains(id)) {
                    return;
                }
                drainAndStop(id, advice.reason());
            }
        }
    }

    private void drainAndStop(String id, String reason) throws InterruptedException {
        logLine("llumnix serve: autoscale: draining " + id + " (" + reason + ")");
        draining.add(id);
        try {
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            long emptySince = -1;
            while (!closed && System.nanoTime() < deadline) {
                Optional<InstanceStatus> status = snapshots.get().find(id).flatMap(InstanceView::status);
                boolean empty = status.map(s -> s.numRequests() == 0 && !s.schedulable()).orElse(true) && ledger.inFlightRequests(id) == 0;
                long now = System.nanoTime();
                if (!empty) {
                    emptySince = -1;
                } else if (emptySince < 0) {
                    emptySince = now;
                } else if (now - emptySince >= EMPTY_FOR.toNanos()) {
                    break;
                }
                Thread.sleep(TICK);
            }
            if (closed) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                logLine("llumnix serve: autoscale: " + id + " still has requests after " + DRAIN_TIMEOUT.toSeconds()
                        + " s; stopping it anyway (the gateway resumes its streams elsewhere)");
            }
            fleet.stopInstance(id);
            logLine("llumnix serve: autoscale: stopped " + id + "; " + fleet.liveInstances().size() + " instances serve");
            awaitInSnapshot(id, false);
        } finally {
            draining.remove(id);
        }
    }

    /** Waits (bounded) until the scheduler's snapshot does or does not list {@code id} with a status. */
    private void awaitInSnapshot(String id, boolean present) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!closed && System.nanoTime() < deadline
                && snapshots.get().find(id).flatMap(InstanceView::status).isPresent() != present) {
            Thread.sleep(TICK);
        }
    }

    private void logLine(String line) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
