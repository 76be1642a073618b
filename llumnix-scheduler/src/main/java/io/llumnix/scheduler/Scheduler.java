package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import java.util.Map;

/**
 * Places requests on instances. Each decision runs the configured {@link DispatchPolicy} for the request's
 * infer type over the current {@link ClusterSnapshot} plus the {@link DispatchLedger}'s in-flight counts,
 * then records the dispatch in the ledger so that the very next decision already sees it.
 *
 * <p>Thread-safe and lock-free on the hot path: {@link #schedule(ScheduleRequest)} reads one volatile
 * reference to the bound snapshot and updates the ledger with atomic operations; it does no I/O. A new
 * snapshot arrives through {@link #updateSnapshot(ClusterSnapshot)} (from a {@link ClusterSnapshotRefresher}),
 * which first reconciles the ledger against the snapshot's statuses and then swaps it in.
 *
 * <pre>{@code
 * Scheduler scheduler = new Scheduler(SchedulerConfig.defaults(), Clock.system());
 * try (var refresher = new ClusterSnapshotRefresher(SnapshotSource.fromStore(store), interval, clock,
 *         scheduler::updateSnapshot)) {
 *     refresher.start();
 *     switch (scheduler.schedule(ScheduleRequest.of("req-1", 120))) {
 *         case ScheduleDecision.Dispatched d -> forward(d.instance());
 *         case ScheduleDecision.NoInstance n -> reject(n.reason());
 *     }
 *     // … on completion: scheduler.release("req-1");
 * }
 * }</pre>
 */
public final class Scheduler implements SchedulerClient {

    private record Bound(ClusterSnapshot snapshot, InFlight[] inflight) {}

    private final SchedulerConfig config;
    private final DispatchPolicy policy;
    private final DispatchLedger ledger;
    private final PrefixCacheIndex prefixIndex;
    private final Clock clock;
    private final MetricParams highPriorityParams;
    private volatile Bound bound;

    public Scheduler(SchedulerConfig config, Clock clock) {
        this(config, DispatchPolicies.create(config), new DispatchLedger(clock, config.requestLocalAccountStaleness()),
                config.enableCacheAwareScheduling() ? new DispatchHistoryPrefixIndex(1 << 20) : PrefixCacheIndex.none(),
                clock);
    }

    public Scheduler(SchedulerConfig config, DispatchPolicy policy, DispatchLedger ledger, PrefixCacheIndex prefixIndex,
            Clock clock) {
        this.config = requireNonNull(config, "config is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.prefixIndex = requireNonNull(prefixIndex, "prefixIndex is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.highPriorityParams = config.metricParams().withPriorityHeadroomTokens(0);
        this.bound = new Bound(ClusterSnapshot.empty(), new InFlight[0]);
    }

    /** Chooses an instance for the request and records the dispatch in the ledger. */
    @Override
    public ScheduleDecision schedule(ScheduleRequest request) {
        requireNonNull(request, "request is null");
        Bound b = bound;
        ClusterSnapshot snapshot = b.snapshot();
        int[] candidates = snapshot.indices(request.targetType());
        if (candidates.length == 0) {
            return new ScheduleDecision.NoInstance(snapshot.size() == 0
                    ? "no instances are registered"
                    : "no " + request.targetType().name().toLowerCase(java.util.Locale.ROOT) + " instances are registered");
        }
        DispatchPipeline pipeline = policy.pipeline(request.targetType());
        Map<String, Integer> matched = policy.usesCacheLocality() && !request.blockHashes().isEmpty()
                ? prefixIndex.matchedBlocks(request.blockHashes())
                : Map.of();
        DecisionContext ctx = new DecisionContext(snapshot, b.inflight(), request, clock.currentTimeMillis(),
                metricParamsFor(request), pipeline.filters(), matched, config.kvCacheBlockSize());
        int chosen = pipeline.select(candidates, ctx);
        if (chosen < 0) {
            return new ScheduleDecision.NoInstance("none of " + candidates.length + " "
                    + request.targetType().name().toLowerCase(java.util.Locale.ROOT)
                    + " instances is schedulable (draining, stale, reserved or excluded)");
        }
        InstanceView target = snapshot.view(chosen);
        ledger.record(request.requestId(), target.instanceId(), request.promptTokens(), b.inflight()[chosen]);
        if (policy.usesCacheLocality() && !request.blockHashes().isEmpty()) {
            prefixIndex.onDispatched(target.instanceId(), request.blockHashes());
        }
        return new ScheduleDecision.Dispatched(target.instanceId(), target.metadata(), ctx.fallbackPass);
    }

    /**
     * The priority headroom is reserved <em>for</em> high-priority requests: it makes an instance hosting them look
     * fuller to normal requests only. A high-priority request sees the instance as it is, so it may land where
     * room was kept for it.
     */
    private MetricParams metricParamsFor(ScheduleRequest request) {
        return request.priority() > 0 ? highPriorityParams : config.metricParams();
    }

    /** The request completed, failed or was aborted: its in-flight load leaves the ledger. */
    @Override
    public boolean release(String requestId) {
        return ledger.release(requestId);
    }

    /**
     * Reconciles the ledger with the snapshot's statuses, then makes it the snapshot decisions read. Called by
     * one thread at a time (the refresher).
     */
    public void updateSnapshot(ClusterSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot is null");
        ledger.reconcile(snapshot);
        bound = new Bound(snapshot, ledger.bind(snapshot));
    }

    public ClusterSnapshot snapshot() {
        return bound.snapshot();
    }

    public DispatchLedger ledger() {
        return ledger;
    }

    public DispatchPolicy policy() {
        return policy;
    }

    public SchedulerConfig config() {
        return config;
    }
}
