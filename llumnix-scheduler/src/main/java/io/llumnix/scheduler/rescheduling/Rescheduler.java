package io.llumnix.scheduler.rescheduling;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the configured rescheduling policies every {@code --rescheduling-interval-ms} on the latest snapshot
 * and hands their orders to a {@link MigrationExecutor}. Policies run in configuration order; an instance
 * already involved in an order this tick, or in a migration still in progress, is left out of later orders,
 * so one instance never sends or receives two migrations at once. After a migration an instance also sits
 * out until the snapshot carries a status it published after the migration ended (at most
 * {@link #MAX_SETTLE_MS}): planning on the load from before the move is what sends requests back and forth.
 *
 * <p>Thread-safe. The tick never blocks on a migration: it only starts them. {@link #tick()} can be driven
 * directly (tests, the simulator's virtual clock).
 */
public final class Rescheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Rescheduler.class);
    /** Longest an instance waits for a post-migration status (guards against clock skew and silent instances). */
    static final long MAX_SETTLE_MS = 2_000;

    private final Supplier<ClusterSnapshot> snapshots;
    private final ReschedulingConfig config;
    private final List<ReschedulingPolicy> policies;
    private final MigrationExecutor executor;
    private final Clock clock;
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    /** Instance → wall time its last migration ended; cleared once a newer status arrives. */
    private final Map<String, Long> settling = new ConcurrentHashMap<>();
    private final AtomicLong ordersIssued = new AtomicLong();
    private final AtomicLong requestsMigrated = new AtomicLong();
    private volatile @Nullable ScheduledFuture<?> task;

    public Rescheduler(Supplier<ClusterSnapshot> snapshots, ReschedulingConfig config, MigrationExecutor executor,
            Clock clock) {
        this.snapshots = requireNonNull(snapshots, "snapshots is null");
        this.config = requireNonNull(config, "config is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.policies = config.policies().stream().map(ReschedulingPolicies::create).toList();
    }

    /** Starts ticking on {@code scheduler} (which the caller owns and shuts down). */
    public void start(ScheduledExecutorService scheduler) {
        if (!config.enableRescheduling()) {
            throw new IllegalStateException("rescheduling is disabled (--enable-rescheduling not set)");
        }
        long period = config.interval().toNanos();
        task = scheduler.scheduleWithFixedDelay(this::tickQuietly, period, period, TimeUnit.NANOSECONDS);
    }

    /** Plans and starts this tick's migrations; returns the orders issued. */
    public List<MigrationOrder> tick() {
        ClusterSnapshot snapshot = snapshots.get();
        long now = clock.currentTimeMillis();
        List<MigrationOrder> issued = new ArrayList<>();
        Set<String> involved = new HashSet<>(busy);
        settling.forEach((id, endedAtMs) -> {
            boolean fresh = snapshot.find(id).flatMap(InstanceView::status).map(st -> st.timestampMs() > endedAtMs).orElse(true);
            if (fresh || now - endedAtMs > MAX_SETTLE_MS) {
                settling.remove(id, endedAtMs);
            } else {
                involved.add(id);
            }
        });
        for (ReschedulingPolicy policy : policies) {
            for (MigrationOrder order : policy.plan(snapshot, config, now, Set.copyOf(involved))) {
                if (involved.contains(order.sourceInstanceId()) || involved.contains(order.destInstanceId())) {
                    continue;
                }
                involved.add(order.sourceInstanceId());
                involved.add(order.destInstanceId());
                issued.add(order);
            }
        }
        for (MigrationOrder order : issued) {
            start(order);
        }
        return issued;
    }

    /** Orders handed to the executor so far. */
    public long ordersIssued() {
        return ordersIssued.get();
    }

    /** Requests the executor reported migrated so far. */
    public long requestsMigrated() {
        return requestsMigrated.get();
    }

    @Override
    public void close() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void start(MigrationOrder order) {
        busy.add(order.sourceInstanceId());
        busy.add(order.destInstanceId());
        ordersIssued.incrementAndGet();
        try {
            executor.migrate(order).whenComplete((result, error) -> {
                if (error == null && result.migratedRequests() > 0) {
                    long ended = clock.currentTimeMillis();
                    settling.put(order.sourceInstanceId(), ended);
                    settling.put(order.destInstanceId(), ended);
                }
                busy.remove(order.sourceInstanceId());
                busy.remove(order.destInstanceId());
                if (error != null) {
                    LOG.warn("migration {} -> {} ({}) failed: {}", order.sourceInstanceId(), order.destInstanceId(),
                            order.policy(), error.toString());
                } else {
                    requestsMigrated.addAndGet(result.migratedRequests());
                }
            });
        } catch (RuntimeException e) {
            busy.remove(order.sourceInstanceId());
            busy.remove(order.destInstanceId());
            LOG.warn("migration {} -> {} could not start", order.sourceInstanceId(), order.destInstanceId(), e);
        }
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.error("rescheduling tick failed", e); // the next tick tries again
        }
    }
}
