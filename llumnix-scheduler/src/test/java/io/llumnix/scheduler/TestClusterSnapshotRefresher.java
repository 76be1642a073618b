package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.instance;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.InMemoryClusterMetaStore;
import io.llumnix.cms.ReadResult;
import io.llumnix.cms.StaticDiscovery;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class TestClusterSnapshotRefresher {

    private final TestingCluster.FixedClock clock = new TestingCluster.FixedClock();

    @Test
    void refresh_fromStore_publishesSnapshotToScheduler() {
        try (InMemoryClusterMetaStore store = new InMemoryClusterMetaStore(clock)) {
            TestingCluster.Status a = instance("a");
            store.putMetadata(a.metadata(), Duration.ofSeconds(10));
            store.putStatus(a.status(), Duration.ofSeconds(10));
            Scheduler scheduler = new Scheduler(SchedulerConfig.defaults(), clock);
            try (ClusterSnapshotRefresher r = new ClusterSnapshotRefresher(SnapshotSource.fromStore(store),
                    Duration.ofMillis(50), clock, scheduler::updateSnapshot)) {
                assertThat(r.refreshOnce()).isTrue();
            }
            assertThat(scheduler.snapshot().size()).isEqualTo(1);
            assertThat(scheduler.schedule(ScheduleRequest.of("r", 1)))
                    .isInstanceOf(ScheduleDecision.Dispatched.class);
        }
    }

    @Test
    void refresh_sourceUnavailable_keepsLastSnapshot() {
        AtomicReference<ReadResult<List<InstanceView>>> next =
                new AtomicReference<>(ReadResult.ok(List.of(instance("a").view())));
        AtomicReference<ClusterSnapshot> published = new AtomicReference<>();
        try (ClusterSnapshotRefresher r = new ClusterSnapshotRefresher(next::get, Duration.ofMillis(50), clock,
                published::set)) {
            assertThat(r.refreshOnce()).isTrue();
            ClusterSnapshot good = r.current();

            next.set(ReadResult.unavailable("redis down"));
            assertThat(r.refreshOnce()).isFalse();
            assertThat(r.refreshOnce()).isFalse();

            assertThat(r.current()).isSameAs(good);
            assertThat(published.get()).isSameAs(good);
            assertThat(r.consecutiveFailures()).isEqualTo(2);

            next.set(ReadResult.ok(List.of()));
            assertThat(r.refreshOnce()).isTrue();
            assertThat(r.consecutiveFailures()).isZero();
            assertThat(r.current().size()).isZero();
        }
    }

    @Test
    void start_refreshesInBackground_andSurvivesThrowingSource() throws InterruptedException {
        AtomicReference<Boolean> fail = new AtomicReference<>(true);
        SnapshotSource flaky = () -> {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("bug");
            }
            return SnapshotSource.fromDiscovery(StaticDiscovery.parse("h:1,h:2")).read();
        };
        try (ClusterSnapshotRefresher r = new ClusterSnapshotRefresher(flaky, Duration.ofMillis(10), clock, s -> {})) {
            r.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (r.refreshes() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(r.current().size()).isEqualTo(2);
            assertThat(r.current().find("h:1")).isPresent();
        }
    }
}
