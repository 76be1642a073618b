package io.llumnix.sim.core;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.SamplingParams;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.sched.RunningRequestView;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.MetricParams;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulingMetric;
import io.llumnix.scheduler.rescheduling.MigratableRequest;
import io.llumnix.scheduler.rescheduling.MigrationExecutor;
import io.llumnix.scheduler.rescheduling.MigrationOrder;
import io.llumnix.scheduler.rescheduling.RequestSelection;
import io.llumnix.scheduler.rescheduling.Rescheduler;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import io.llumnix.sim.report.InstanceTimeline;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs one workload on a simulated cluster: the real {@link Scheduler} places every request over snapshots built
 * from the instances' statuses, the real {@link Rescheduler} ticks on virtual time and its orders run as staged live
 * migrations through the engines' hooks, and each instance is the real engine step loop over a latency model. An
 * instance steps back to back while it has work; each step's modelled duration is the time to its next boundary.
 *
 * <pre>{@code
 * SimulationResult r = ClusterSimulation.run(SimulationConfig.builder(LatencyProfile.llama7bA10())
 *         .instances(16).policy("llumnix").build(), workload);
 * System.out.println(r.summary());
 * }</pre>
 *
 * <p>Single-threaded and not thread-safe; a run is reproducible from its configuration's seed.
 */
public final class ClusterSimulation {

    /** A run that makes no progress for this long (virtual) is stuck: fail rather than loop forever. */
    private static final long STUCK_NANOS = 3_600_000_000_000L;

    private final SimulationConfig config;
    private final Workload workload;
    private final IntConsumer progress;
    private final VirtualClock clock = new VirtualClock();
    private final EventQueue queue = new EventQueue();
    private final Scheduler scheduler;
    private final @Nullable Rescheduler rescheduler;
    private final EngineConfig engineConfig;
    private final List<SimInstance> instances = new ArrayList<>();
    private final Map<String, SimInstance> byId = new HashMap<>();
    private final Map<String, RequestTracker> live = new HashMap<>();
    private final RequestRecord[] records;
    private final List<MigrationRecord> migrations = new ArrayList<>();
    private final InstanceTimeline timeline = new InstanceTimeline();
    private final ArrayDeque<TraceRequest> undispatched = new ArrayDeque<>();
    private final @Nullable AutoScaler scaler;
    private final MetricParams metricParams;
    private int completed;
    private long steps;
    private long lastProgressNanos;
    private int instancesUp;
    private @Nullable SimInstance stepping;

    /** Sees every token a simulated request receives (tests check migration downtime with it). */
    @FunctionalInterface
    interface TokenObserver {
        void onToken(String requestId, long nanoTime);
    }

    private final TokenObserver tokenObserver;

    private ClusterSimulation(SimulationConfig config, Workload workload, IntConsumer progress, TokenObserver tokenObserver) {
        this.tokenObserver = tokenObserver;
        this.config = requireNonNull(config, "config is null");
        this.workload = requireNonNull(workload, "workload is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.engineConfig = config.profile().engineConfig(config.prefixCaching(), config.seed());
        this.scheduler = new Scheduler(SimPolicies.schedulerConfig(config), clock);
        this.metricParams = SimPolicies.metricParams(config);
        Optional<ReschedulingConfig> rc = SimPolicies.reschedulingConfig(config);
        this.rescheduler = rc.map(c -> new Rescheduler(scheduler::snapshot, c, this::migrate, clock)).orElse(null);
        this.scaler = config.autoScaling().map(a -> new AutoScaler(a, this)).orElse(null);
        this.records = new RequestRecord[workload.size()];
    }

    /** Runs {@code workload} under {@code config}. */
    public static SimulationResult run(SimulationConfig config, Workload workload) {
        return run(config, workload, n -> { });
    }

    /** Runs {@code workload}, telling {@code progress} the number of finished requests as they finish. */
    public static SimulationResult run(SimulationConfig config, Workload workload, IntConsumer progress) {
        return new ClusterSimulation(config, workload, progress, (id, t) -> { }).execute();
    }

    static SimulationResult run(SimulationConfig config, Workload workload, TokenObserver tokens) {
        return new ClusterSimulation(config, workload, n -> { }, tokens).execute();
    }

    private SimulationResult execute() {
        long wall0 = System.nanoTime();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
        for (int i = 0; i < config.instances(); i++) {
            SimInstance inst = launch();
            inst.state = SimInstance.State.RUNNING;
            inst.publish(0);
        }
        refreshSnapshot();
        if (!workload.isEmpty()) {
            queue.schedule(workload.requests().getFirst().arrivalNanos(), new SimEvent.Arrival(0));
        }
        queue.schedule(config.snapshotInterval().toNanos(), new SimEvent.SnapshotRefresh());
        if (rescheduler != null) {
            queue.schedule(config.reschedulingInterval().toNanos(), new SimEvent.ReschedulingTick());
        }
        if (scaler != null) {
            queue.schedule(scaler.intervalNanos(), new SimEvent.ScalingTick());
        }
        long endNanos = 0;
        while (completed < records.length && !queue.isEmpty()) {
            EventQueue.Entry e = queue.poll();
            clock.advanceTo(e.time());
            switch (e.event()) {
                case SimEvent.Arrival a -> onArrival(a.index());
                case SimEvent.StepBoundary b -> onBoundary(b.instance());
                case SimEvent.SnapshotRefresh r -> {
                    refreshSnapshot();
                    queue.schedule(now() + config.snapshotInterval().toNanos(), r);
                }
                case SimEvent.ReschedulingTick t -> {
                    requireNonNull(rescheduler).tick();
                    queue.schedule(now() + config.reschedulingInterval().toNanos(), t);
                }
                case SimEvent.ScalingTick t -> {
                    requireNonNull(scaler).tick();
                    queue.schedule(now() + scaler.intervalNanos(), t);
                }
                case SimEvent.TransferDone d -> d.migration().onTransferDone();
                case SimEvent.InstanceReady r -> onReady(r.instance());
            }
            endNanos = now();
            if (now() - lastProgressNanos > STUCK_NANOS) {
                throw new IllegalStateException("simulation stuck at " + now() / 1e9 + " s: " + completed + " of " + records.length
                        + " requests finished, " + live.size() + " live, " + undispatched.size() + " undispatched");
            }
        }
        if (completed < records.length) {
            throw new IllegalStateException("simulation ended with " + (records.length - completed) + " requests unfinished");
        }
        long preemptions = 0;
        for (SimInstance inst : instances) {
            preemptions += inst.core.snapshot().numPreemptions();
        }
        timeline.record(endNanos, instancesUp);
        return new SimulationResult(config.policy() + " " + workload.name(), List.of(records), migrations, timeline, endNanos,
                System.nanoTime() - wall0, threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() - cpu0 : 0, steps,
                preemptions);
    }

    // ------------------------------------------------------------------------------------------ requests

    private void onArrival(int index) {
        TraceRequest r = workload.requests().get(index);
        if (index + 1 < workload.size()) {
            queue.schedule(workload.requests().get(index + 1).arrivalNanos(), new SimEvent.Arrival(index + 1));
        }
        if (!dispatch(r)) {
            undispatched.add(r);
        }
    }

    private boolean dispatch(TraceRequest r) {
        String id = requestId(r);
        int priority = config.priorities() && r.priority() == Priority.HIGH ? 1 : 0;
        ScheduleDecision d = scheduler.schedule(ScheduleRequest.of(id, r.promptTokens()).withPriority(priority));
        if (!(d instanceof ScheduleDecision.Dispatched dispatched)) {
            return false;
        }
        SimInstance inst = requireNonNull(byId.get(dispatched.instanceId()), "scheduler chose an unknown instance");
        RequestTracker tracker = new RequestTracker(r, id, inst, this);
        live.put(id, tracker);
        SamplingParams params = new SamplingParams(0.0, 1.0, 0, java.util.OptionalLong.empty(), r.outputTokens(), List.of(), true);
        GenerateRequest g = new GenerateRequest(id, PromptTokens.of(r, config.seed(), config.profile().blockTokens()), params, priority);
        inst.noteAdded(id);
        inst.betweenSteps(() -> inst.core.add(g, tracker), now());
        return true;
    }

    private static String requestId(TraceRequest r) {
        return "r" + r.id();
    }

    void onFinished(RequestTracker t) {
        SimInstance inst = stepping;
        if (inst == null) {
            throw new IllegalStateException("request " + t.requestId + " finished outside a step");
        }
        inst.finishedThisStep.add(t);
    }

    void onToken(RequestTracker t, long nanoTime) {
        tokenObserver.onToken(t.requestId, nanoTime);
    }

    RequestTracker tracker(String requestId) {
        return requireNonNull(live.get(requestId), () -> "no live request " + requestId);
    }

    // ------------------------------------------------------------------------------------------ instances

    SimInstance launch() {
        String id = String.format("i%04d", instances.size());
        SimInstance inst = new SimInstance(id, config.profile(), engineConfig, config.migration().migrateInSlots(),
                config.migration().migrateOutSlots(), config.priorities(), now(), this::wake);
        inst.core.setPreemptionObserver((requestId, tokens, t) -> {
            RequestTracker tr = live.get(requestId);
            if (tr != null) {
                tr.onPreempted(t);
            }
        });
        instances.add(inst);
        byId.put(id, inst);
        instancesUp++;
        timeline.record(now(), instancesUp);
        return inst;
    }

    void launchLater(long delayNanos) {
        SimInstance inst = launch();
        queue.schedule(now() + delayNanos, new SimEvent.InstanceReady(inst));
    }

    private void onReady(SimInstance inst) {
        inst.state = SimInstance.State.RUNNING;
        inst.clock.advanceTo(now());
        inst.busyUntil = now();
        inst.publish(now());
    }

    void drain(SimInstance inst) {
        inst.state = SimInstance.State.DRAINING;
        inst.publish(now());
        maybeRemove(inst);
    }

    private void maybeRemove(SimInstance inst) {
        if (inst.state == SimInstance.State.DRAINING && inst.isIdle() && !inst.boundaryScheduled && inst.freeInSlots == config.migration().migrateInSlots()) {
            inst.state = SimInstance.State.REMOVED;
            inst.view = null;
            instancesUp--;
            timeline.record(now(), instancesUp);
        }
    }

    List<SimInstance> instances() {
        return instances;
    }

    /** Schedules a boundary for an instance that has something to do and none pending. */
    void wake(SimInstance inst) {
        if (inst.boundaryScheduled || inst.stepping || inst.state == SimInstance.State.REMOVED) {
            return;
        }
        if (inst.core.hasWork() || inst.hasPendingActions()) {
            inst.boundaryScheduled = true;
            queue.schedule(Math.max(now(), inst.busyUntil), new SimEvent.StepBoundary(inst));
        } else {
            maybeRemove(inst);
        }
    }

    private void onBoundary(SimInstance inst) {
        inst.boundaryScheduled = false;
        if (inst.state == SimInstance.State.REMOVED) {
            return;
        }
        long now = now();
        inst.clock.advanceTo(Math.max(inst.clock.nanoTime(), now));
        inst.stepping = true;
        try {
            if (!inst.finishedThisStep.isEmpty()) {
                for (RequestTracker t : inst.finishedThisStep) {
                    complete(t);
                }
                inst.finishedThisStep.clear();
            }
            inst.runPendingActions();
            if (now - inst.lastPublishNanos >= config.statusInterval().toNanos()) {
                inst.publish(now);
            }
            int computed = 0;
            if (inst.state != SimInstance.State.STARTING && inst.core.hasWork()) {
                stepping = inst;
                computed = inst.core.step();
                stepping = null;
            }
            if (computed > 0) {
                steps++;
                lastProgressNanos = now;
                inst.busyUntil = inst.clock.nanoTime();
                inst.boundaryScheduled = true;
                queue.schedule(inst.busyUntil, new SimEvent.StepBoundary(inst));
            } else {
                inst.busyUntil = now;
                inst.publish(now); // going idle (or blocked): let the scheduler see the final state
            }
        } finally {
            inst.stepping = false;
        }
        if (!inst.boundaryScheduled) {
            maybeRemove(inst);
        }
    }

    private void complete(RequestTracker t) {
        scheduler.release(t.requestId);
        live.remove(t.requestId);
        int index = indexOf(t.request);
        records[index] = t.toRecord(t.request.arrivalNanos());
        completed++;
        lastProgressNanos = now();
        progress.accept(completed);
    }

    private final Map<Long, Integer> indexById = new HashMap<>();

    private int indexOf(TraceRequest r) {
        if (indexById.isEmpty()) {
            List<TraceRequest> rs = workload.requests();
            for (int i = 0; i < rs.size(); i++) {
                indexById.put(rs.get(i).id(), i);
            }
        }
        return indexById.get(r.id());
    }

    // ------------------------------------------------------------------------------------------ scheduler

    private void refreshSnapshot() {
        long now = now();
        List<InstanceView> views = new ArrayList<>(instances.size());
        for (SimInstance inst : instances) {
            if (inst.state == SimInstance.State.RUNNING || inst.state == SimInstance.State.DRAINING) {
                if (!inst.boundaryScheduled && now - inst.lastPublishNanos >= config.statusInterval().toNanos()) {
                    inst.publish(now); // heartbeat of an idle instance
                }
                views.add(requireNonNull(inst.view));
            }
        }
        scheduler.updateSnapshot(ClusterSnapshot.of(views, clock.currentTimeMillis()));
        int n = undispatched.size();
        for (int i = 0; i < n; i++) {
            TraceRequest r = undispatched.poll();
            if (!dispatch(r)) {
                undispatched.add(r);
            }
        }
    }

    /** Average freeness of instances taking requests, from the scheduler's snapshot. */
    OptionalDouble averageFreeness() {
        ClusterSnapshot s = scheduler.snapshot();
        double sum = 0;
        int n = 0;
        for (SimInstance inst : instances) {
            if (inst.state == SimInstance.State.RUNNING) {
                OptionalDouble f = s.metric(SchedulingMetric.FREENESS, inst.id, metricParams);
                if (f.isPresent()) {
                    sum += f.getAsDouble();
                    n++;
                }
            }
        }
        return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
    }

    // ------------------------------------------------------------------------------------------ migration

    private CompletionStage<MigrationExecutor.MigrationResult> migrate(MigrationOrder order) {
        CompletableFuture<MigrationExecutor.MigrationResult> f = new CompletableFuture<>();
        SimInstance src = byId.get(order.sourceInstanceId());
        SimInstance dst = byId.get(order.destInstanceId());
        if (src == null || dst == null || src.state == SimInstance.State.REMOVED || dst.state != SimInstance.State.RUNNING) {
            f.complete(new MigrationExecutor.MigrationResult(0, "instance gone"));
            return f;
        }
        src.betweenSteps(() -> {
            List<String> ids = select(src, order);
            migrateInTurn(src, dst, order, ids, 0, 0, f);
        }, now());
        return f;
    }

    private void migrateInTurn(SimInstance src, SimInstance dst, MigrationOrder order, List<String> ids, int next, int moved,
            CompletableFuture<MigrationExecutor.MigrationResult> f) {
        if (next >= ids.size() || dst.state != SimInstance.State.RUNNING) {
            f.complete(new MigrationExecutor.MigrationResult(moved, moved + " of " + ids.size() + " moved"));
            return;
        }
        new SimMigration(this, src, dst, ids.get(next), order.policy(), rec -> {
            migrations.add(rec);
            int m = moved + (rec.committed() ? 1 : 0);
            src.betweenSteps(() -> migrateInTurn(src, dst, order, ids, next + 1, m, f), now());
        }).start();
    }

    private static List<String> select(SimInstance src, MigrationOrder order) {
        List<RunningRequestView> views = src.core.runningRequests();
        List<MigratableRequest> candidates = new ArrayList<>(views.size());
        for (RunningRequestView v : views) {
            if (!v.migrating()) {
                candidates.add(new MigratableRequest(v.requestId(), v.arrivalNanos() / 1_000_000L, v.running() ? v.numTokens() : 0,
                        !v.running(), v.priority() > 0));
            }
        }
        long used = (long) src.core.blockManager().numUsedBlocks() * src.core.blockManager().blockSize();
        return RequestSelection.select(candidates, order, used).stream().map(MigratableRequest::requestId).toList();
    }

    void scheduleTransfer(SimMigration m, long nanos) {
        queue.schedule(now() + nanos, new SimEvent.TransferDone(m));
    }

    long now() {
        return clock.nanoTime();
    }

    SimulationConfig config() {
        return config;
    }
}
