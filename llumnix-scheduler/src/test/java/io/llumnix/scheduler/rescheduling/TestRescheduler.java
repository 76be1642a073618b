package io.llumnix.scheduler.rescheduling;

import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.TestingCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class TestRescheduler {

    private static TestingCluster.Status neutral(String id, long used, boolean schedulable) {
        TestingCluster.Status s = instance(id);
        s.used = used;
        s.running = 4; // one request is a quarter of the load: moving it narrows a large gap
        s.schedulable = schedulable;
        return s;
    }

    /** Records orders; completes them only when told to. */
    private static final class TestingMigrationExecutor implements MigrationExecutor {
        final List<MigrationOrder> orders = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<MigrationResult>> pending = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<MigrationResult> migrate(MigrationOrder order) {
            orders.add(order);
            CompletableFuture<MigrationResult> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        synchronized void completeAll() {
            pending.forEach(f -> f.complete(new MigrationResult(1, "ok")));
            pending.clear();
        }
    }

    @Test
    void tick_policiesInOrder_instanceUsedOncePerTick_busyUntilMigrationCompletes() {
        ClusterSnapshot s = snapshot(neutral("a", 100, false), neutral("b", 9000, true), neutral("c", 0, true),
                neutral("d", 50, true));
        ReschedulingConfig config = ReschedulingConfig.defaults()
                .withEnabled(true, List.of("neutral_failover", "neutral_load"));
        TestingMigrationExecutor executor = new TestingMigrationExecutor();
        java.util.concurrent.atomic.AtomicReference<ClusterSnapshot> current = new java.util.concurrent.atomic.AtomicReference<>(s);
        Rescheduler r = new Rescheduler(current::get, config, executor, new TestingCluster.FixedClock());

        List<MigrationOrder> first = r.tick();

        // failover drains a to the least loaded (c); load balancing then pairs b with the next free (d)
        assertThat(first).extracting(o -> o.sourceInstanceId() + "->" + o.destInstanceId())
                .containsExactly("a->c", "b->d");
        assertThat(r.tick()).isEmpty(); // all four are busy migrating
        executor.completeAll();
        assertThat(r.requestsMigrated()).isEqualTo(2);
        assertThat(r.tick()).as("no status published since the migrations ended").isEmpty();
        current.set(snapshot(fresh(neutral("a", 100, false)), fresh(neutral("b", 9000, true)), fresh(neutral("c", 0, true)),
                fresh(neutral("d", 50, true))));
        assertThat(r.tick()).hasSize(2);
        assertThat(r.ordersIssued()).isEqualTo(4);
    }

    private static TestingCluster.Status fresh(TestingCluster.Status s) {
        s.timestampMs = TestingCluster.NOW_MS + 1;
        return s;
    }

    @Test
    void tick_afterAMigration_waitsForAFreshStatusBeforeMovingAnythingBack() {
        // a and b look balanced the wrong way round only because the snapshot predates the move.
        ClusterSnapshot stale = snapshot(neutral("a", 9000, true), neutral("b", 0, true));
        java.util.concurrent.atomic.AtomicReference<ClusterSnapshot> current = new java.util.concurrent.atomic.AtomicReference<>(stale);
        TestingMigrationExecutor executor = new TestingMigrationExecutor();
        TestingCluster.FixedClock clock = new TestingCluster.FixedClock();
        Rescheduler r = new Rescheduler(current::get, ReschedulingConfig.defaults().withEnabled(true, List.of("neutral_load")), executor,
                clock);
        assertThat(r.tick()).hasSize(1);
        executor.completeAll();
        assertThat(r.tick()).as("still the pre-migration picture").isEmpty();
        clock.advanceMillis(Rescheduler.MAX_SETTLE_MS + 1);
        assertThat(r.tick()).as("a silent instance stops blocking after the settle limit").hasSize(1);
    }

    @Test
    void tick_executorFailure_freesInstancesForNextTick() {
        ClusterSnapshot s = snapshot(neutral("a", 9000, true), neutral("b", 0, true));
        MigrationExecutor failing = o -> CompletableFuture.failedFuture(new IllegalStateException("llumlet down"));
        Rescheduler r = new Rescheduler(() -> s,
                ReschedulingConfig.defaults().withEnabled(true, List.of("neutral_load")), failing,
                new TestingCluster.FixedClock());

        assertThat(r.tick()).hasSize(1);
        assertThat(r.tick()).hasSize(1);
    }

    @Test
    void start_runsOnScheduledExecutorAtInterval() throws InterruptedException {
        ClusterSnapshot s = snapshot(neutral("a", 9000, true), neutral("b", 0, true));
        TestingMigrationExecutor executor = new TestingMigrationExecutor();
        ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor();
        ReschedulingConfig config = new ReschedulingConfig(true, List.of("neutral_load"),
                java.time.Duration.ofMillis(10), ReschedulingConfig.defaults().decodeLoadMetric(), 1.0,
                ReschedulingConfig.defaults().neutralLoadMetric(), 1.0, MigrationRule.TOKEN, RequestOrder.SR, 1, 0.01,
                io.llumnix.scheduler.FailoverScope.INSTANCE, java.time.Duration.ofSeconds(60), 0, 0.2,
                io.llumnix.scheduler.MetricParams.defaults());
        try (Rescheduler r = new Rescheduler(() -> s, config, executor, new TestingCluster.FixedClock())) {
            r.start(ses);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (executor.orders.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(executor.orders).isNotEmpty();
        } finally {
            ses.shutdownNow();
        }
    }

    @Test
    void start_disabled_refused() {
        Rescheduler r = new Rescheduler(ClusterSnapshot::empty, ReschedulingConfig.defaults(),
                o -> CompletableFuture.completedFuture(new MigrationExecutor.MigrationResult(0, "")),
                new TestingCluster.FixedClock());
        ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor();
        try {
            assertThatThrownBy(() -> r.start(ses)).hasMessageContaining("--enable-rescheduling");
        } finally {
            ses.shutdownNow();
        }
    }
}
