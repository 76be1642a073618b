package io.llumnix.sim.core;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.InstanceStatuses;
import io.llumnix.engine.sched.EngineCore;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.sim.latency.LatencyModelExecutor;
import io.llumnix.sim.latency.LatencyProfile;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One simulated engine instance: the real {@link EngineCore} over a {@link LatencyModelExecutor} on the instance's
 * own {@link VirtualClock}. Like a real engine, everything that touches the step loop from outside (adding a request,
 * a migration's pin, detach or install) runs between steps: while a step is in flight the action waits in a queue
 * until the step's end. Also holds what its llumlet would: migration slots and the last published status.
 *
 * <p>Not thread-safe (the event loop owns it).
 */
final class SimInstance {

    enum State {
        STARTING,
        RUNNING,
        DRAINING,
        REMOVED
    }

    final String id;
    final VirtualClock clock;
    final LatencyModelExecutor executor;
    final EngineCore core;
    final InstanceMetadata metadata;
    private final ArrayDeque<Runnable> betweenSteps = new ArrayDeque<>();
    private final List<String> recentIds = new ArrayList<>();
    final List<RequestTracker> finishedThisStep = new ArrayList<>();
    State state = State.STARTING;
    /** End of the step in flight; at or before the cluster time when idle. */
    long busyUntil;
    boolean boundaryScheduled;
    boolean stepping;
    int freeInSlots;
    int freeOutSlots;
    int loading;
    int activeMigrations;
    @Nullable InstanceStatus status;
    @Nullable InstanceView view;
    long lastPublishNanos = Long.MIN_VALUE;
    final boolean reportHighPriority;
    private final java.util.function.Consumer<SimInstance> waker;

    SimInstance(String id, LatencyProfile profile, EngineConfig engineConfig, int migrateInSlots, int migrateOutSlots,
            boolean reportHighPriority, long startNanos, java.util.function.Consumer<SimInstance> waker) {
        this.id = id;
        this.waker = waker;
        this.clock = new VirtualClock(startNanos);
        this.executor = new LatencyModelExecutor(profile, LatencyModelExecutor.syntheticShape(profile, LatencyModelExecutor.DEFAULT_VOCAB_SIZE),
                LatencyModelExecutor.DEFAULT_FAVOURED_TOKEN, clock::advanceBy, true);
        this.core = new EngineCore(engineConfig, executor, new SyntheticTokenizer(LatencyModelExecutor.DEFAULT_VOCAB_SIZE), clock);
        this.metadata = new InstanceMetadata(id, "sim", 0, 0, InferType.NEUTRAL, "", "node-" + id, profile.name(),
                profile.kvCapacityTokens(), 0, "");
        this.freeInSlots = migrateInSlots;
        this.freeOutSlots = migrateOutSlots;
        this.reportHighPriority = reportHighPriority;
        this.busyUntil = startNanos;
    }

    /** Runs {@code action} now when no step is in flight, else at the end of the current step. */
    void betweenSteps(Runnable action, long now) {
        if (stepping || busyUntil > now) {
            betweenSteps.add(action);
        } else {
            action.run();
            waker.accept(this);
        }
    }

    boolean hasPendingActions() {
        return !betweenSteps.isEmpty();
    }

    void runPendingActions() {
        // Actions may enqueue further actions (a migration stage chaining to the next); those run too.
        Runnable r;
        while ((r = betweenSteps.poll()) != null) {
            r.run();
        }
    }

    void noteAdded(String requestId) {
        recentIds.add(requestId);
    }

    boolean isIdle() {
        return !core.hasWork() && activeMigrations == 0 && betweenSteps.isEmpty();
    }

    /** Builds and keeps this instance's status as its llumlet would publish it now. */
    InstanceStatus publish(long nowNanos) {
        EngineSnapshot snapshot = core.snapshot();
        InstanceStatus s = InstanceStatuses.from(snapshot, id, InferType.NEUTRAL, metadata.nodeId(), metadata.unitId(),
                freeInSlots, freeOutSlots, loading, Math.floorDiv(nowNanos, 1_000_000L), state != State.DRAINING,
                reportHighPriority ? InstanceStatuses.highPriorityTokens(core.runningRequests(), snapshot.blockSize()) : 0L, List.copyOf(recentIds));
        recentIds.clear();
        status = s;
        view = new InstanceView(metadata, Optional.of(s));
        lastPublishNanos = nowNanos;
        return s;
    }

    int numRequestsForScaleDown() {
        return status == null ? core.numLive() : status.numRequests();
    }

    @Override
    public String toString() {
        return "SimInstance[" + id + ", " + state + "]";
    }
}
