package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestScheduler {

    private final TestingCluster.FixedClock clock = new TestingCluster.FixedClock();

    private Scheduler scheduler(SchedulerConfig config, ClusterSnapshot snapshot) {
        Scheduler s = new Scheduler(config, clock);
        s.updateSnapshot(snapshot);
        return s;
    }

    private static String dispatchedTo(ScheduleDecision d) {
        assertThat(d).isInstanceOf(ScheduleDecision.Dispatched.class);
        return ((ScheduleDecision.Dispatched) d).instanceId();
    }

    @Test
    void schedule_emptyCluster_noInstance() {
        Scheduler s = new Scheduler(SchedulerConfig.defaults(), clock);

        ScheduleDecision d = s.schedule(ScheduleRequest.of("r", 1));
        assertThat(d).isInstanceOf(ScheduleDecision.NoInstance.class);
        assertThat(((ScheduleDecision.NoInstance) d).code()).isEqualTo(io.llumnix.core.ErrorCode.OVERLOADED);
    }

    @Test
    void schedule_ledgerSpreadsBurstBetweenStatusUpdates() {
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(instance("a"), instance("b"), instance("c")));
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(dispatchedTo(s.schedule(ScheduleRequest.of("r" + i, 100))));
        }

        assertThat(picks).containsExactly("a", "b", "c", "a", "b", "c");
        assertThat(s.ledger().inFlightRequests("a")).isEqualTo(2);
        assertThat(s.ledger().inFlightTokens("a")).isEqualTo(200);
    }

    @Test
    void freeness_headroomKeepsNormalRequestsOff_butHighPriorityRequestsMayUseIt() {
        SchedulerConfig c = SchedulerConfig.builder().schedulingPolicy("llumnix").enableFullModeScheduling(true)
                .metricParams(MetricParams.defaults().withPriorityHeadroomTokens(3000)).build();
        TestingCluster.Status vip = instance("a");
        vip.used = 2000;
        vip.highPriorityUsed = 500; // 8000 free, minus the 3000 headroom for normal requests
        TestingCluster.Status plain = instance("b");
        plain.used = 4000; // 6000 free

        assertThat(dispatchedTo(scheduler(c, snapshot(vip, plain)).schedule(ScheduleRequest.of("n", 100)))).isEqualTo("b");
        assertThat(dispatchedTo(scheduler(c, snapshot(vip, plain)).schedule(ScheduleRequest.of("h", 100).withPriority(1))))
                .isEqualTo("a");
    }

    @Test
    void ledger_reconciledWhenStatusListsTheRequest() {
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(instance("a")));
        s.schedule(ScheduleRequest.of("r1", 100));
        s.schedule(ScheduleRequest.of("r2", 100));
        s.schedule(ScheduleRequest.of("r3", 100));

        TestingCluster.Status a = instance("a");
        a.waitingIds = List.of("r1");
        a.recentIds = List.of("r2");
        s.updateSnapshot(snapshot(a));

        assertThat(s.ledger().inFlightRequests("a")).isEqualTo(1);
        assertThat(s.ledger().instanceOf("r3")).contains("a");
    }

    @Test
    void ledger_decodePlacement_reconciledWhenTheDecodeInstanceListsTheRequest() {
        TestingCluster.Status p = instance("p");
        p.type = InferType.PREFILL;
        TestingCluster.Status d = instance("d");
        d.type = InferType.DECODE;
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(p, d));
        s.schedule(ScheduleRequest.of("r1", 100).withTargetType(InferType.PREFILL));
        s.schedule(ScheduleRequest.of(DispatchLedger.decodeKey("r1"), 100).withTargetType(InferType.DECODE));
        assertThat(s.ledger().inFlightRequests("d")).isEqualTo(1);

        TestingCluster.Status handedOver = instance("d");
        handedOver.type = InferType.DECODE;
        handedOver.recentIds = List.of("r1");
        s.updateSnapshot(snapshot(p, handedOver));

        assertThat(s.ledger().inFlightRequests("d")).isZero();
        assertThat(s.ledger().inFlightRequests("p")).as("the prefill placement is the prefill instance's to report").isEqualTo(1);
    }

    @Test
    void ledger_requestListedByAnotherInstance_isNotReconciled() {
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(instance("a"), instance("b")));
        s.schedule(ScheduleRequest.of("r1", 100)); // to a

        TestingCluster.Status b = instance("b");
        b.waitingIds = List.of("r1");
        s.updateSnapshot(snapshot(instance("a"), b));

        assertThat(s.ledger().inFlightRequests("a")).isEqualTo(1);
    }

    @Test
    void ledger_liteMode_releasedOnCompletionOnly() {
        SchedulerConfig lite = SchedulerConfig.builder().enableFullModeScheduling(false).build();
        ClusterSnapshot snap = ClusterSnapshot.of(List.of(
                InstanceView.lite(InstanceMetadata.ofEndpoint("h", 1)),
                InstanceView.lite(InstanceMetadata.ofEndpoint("h", 2))), 0);
        Scheduler s = scheduler(lite, snap);
        s.schedule(ScheduleRequest.of("r1", 10));
        clock.advanceMillis(Duration.ofHours(1).toMillis());
        s.updateSnapshot(snap); // no status: nothing reconciles, nothing goes stale

        assertThat(s.ledger().inFlightRequests("h:1")).isEqualTo(1);
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r2", 10)))).isEqualTo("h:2");
        assertThat(s.release("r1")).isTrue();
        assertThat(s.release("r1")).isFalse();
        assertThat(s.ledger().inFlightRequests("h:1")).isZero();
    }

    @Test
    void ledger_fullMode_staleEntriesDropped() {
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(instance("a")));
        s.schedule(ScheduleRequest.of("lost", 100));
        clock.advanceMillis(10_001);
        s.updateSnapshot(snapshot(instance("a")));

        assertThat(s.ledger().size()).isZero();
        assertThat(s.ledger().inFlightTokens("a")).isZero();
    }

    @Test
    void ledger_redispatchOfSameId_movesTheLoad() {
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(instance("a"), instance("b")));
        s.schedule(ScheduleRequest.of("r", 100));
        s.schedule(ScheduleRequest.of("r", 100).withExcluded(Set.of("a")));

        assertThat(s.ledger().inFlightRequests("a")).isZero();
        assertThat(s.ledger().inFlightRequests("b")).isEqualTo(1);
    }

    @Test
    void loadBalance_overThreshold_fallsBackInsteadOfRefusing() {
        TestingCluster.Status a = instance("a");
        a.waitingPrefill = 10_000;
        TestingCluster.Status b = instance("b");
        b.waitingPrefill = 9_000;
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(a, b));

        ScheduleDecision d = s.schedule(ScheduleRequest.of("r", 10));
        assertThat(dispatchedTo(d)).isEqualTo("b");
        assertThat(((ScheduleDecision.Dispatched) d).fallback()).isTrue();
    }

    @Test
    void schedule_perInferType_usesThatRolesInstances() {
        TestingCluster.Status p = instance("p");
        p.type = InferType.PREFILL;
        TestingCluster.Status d = instance("d");
        d.type = InferType.DECODE;
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(p, d, instance("n")));

        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r1", 1).withTargetType(InferType.PREFILL))))
                .isEqualTo("p");
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r2", 1).withTargetType(InferType.DECODE))))
                .isEqualTo("d");
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r3", 1)))).isEqualTo("n");
    }

    @Test
    void schedule_allDraining_noInstanceWithReason() {
        TestingCluster.Status a = instance("a");
        a.schedulable = false;
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(a));

        ScheduleDecision d = s.schedule(ScheduleRequest.of("r", 1));
        assertThat(d).isInstanceOf(ScheduleDecision.NoInstance.class);
        assertThat(((ScheduleDecision.NoInstance) d).reason()).contains("schedulable");
        assertThat(s.ledger().size()).isZero();
    }

    @Test
    void schedule_skippedFiltersStillApplyWhenTheyCanReject() {
        TestingCluster.Status stale = instance("a");
        stale.timestampMs = TestingCluster.NOW_MS - 60_001;
        TestingCluster.Status reserved = instance("b");
        reserved.reservedRole = "vip";
        Scheduler s = scheduler(SchedulerConfig.defaults(), snapshot(stale, reserved, instance("c"), instance("d")));

        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r1", 1)))).isEqualTo("c");
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r2", 1).withExcluded(Set.of("d"))))).isEqualTo("c");
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r3", 1).withRole("vip")))).isEqualTo("b");
    }

    @Test
    void flood_pilesEverythingOnOneInstance() {
        Scheduler s = scheduler(SchedulerConfig.builder().schedulingPolicy("flood").build(),
                snapshot(instance("a"), instance("b")));
        for (int i = 0; i < 5; i++) {
            assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r" + i, 100)))).isEqualTo("a");
        }
    }

    @Test
    void roundRobin_alternates() {
        Scheduler s = scheduler(SchedulerConfig.builder().schedulingPolicy("round-robin").build(),
                snapshot(instance("a"), instance("b")));
        assertThat(List.of(dispatchedTo(s.schedule(ScheduleRequest.of("1", 1))),
                dispatchedTo(s.schedule(ScheduleRequest.of("2", 1))),
                dispatchedTo(s.schedule(ScheduleRequest.of("3", 1))))).containsExactly("a", "b", "a");
    }

    @Test
    void infaasAndLlumnix_pickFreestInstance() {
        TestingCluster.Status a = instance("a");
        a.used = 5_000;
        a.running = 1;
        for (String policy : List.of("infaas++", "llumnix")) {
            Scheduler s = scheduler(SchedulerConfig.builder().schedulingPolicy(policy).build(),
                    snapshot(a, instance("b")));
            assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r", 10)))).isEqualTo("b");
            assertThat(s.policy().migrates()).isEqualTo(policy.equals("llumnix"));
        }
    }

    @Test
    void cacheAware_prefersInstanceHoldingThePrefix() {
        SchedulerConfig cfg = SchedulerConfig.builder().enableCacheAwareScheduling(true).build();
        Scheduler s = scheduler(cfg, snapshot(instance("a"), instance("b")));
        List<Long> hashes = List.of(11L, 12L, 13L, 14L);
        String first = dispatchedTo(s.schedule(ScheduleRequest.of("r1", 64).withBlockHashes(hashes)));
        s.release("r1");

        String second = dispatchedTo(s.schedule(ScheduleRequest.of("r2", 64).withBlockHashes(hashes)));

        assertThat(second).isEqualTo(first);
        assertThat(dispatchedTo(s.schedule(ScheduleRequest.of("r3", 64).withBlockHashes(List.of(99L)))))
                .isNotEqualTo(first); // no hit anywhere: the whole prompt is a miss, the ledger decides
    }

    @Test
    void registry_unknownPolicy_listsValidNames() {
        assertThatThrownBy(() -> SchedulerConfig.builder().schedulingPolicy("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fastest'")
                .hasMessageContaining("round-robin, load-balance, flood, infaas++, llumnix");
        assertThat(DispatchPolicies.names()).containsExactly("round-robin", "load-balance", "flood", "infaas++",
                "llumnix");
    }

    @Test
    void config_invalidValuesAndCombinations_refused() {
        assertThatThrownBy(() -> SchedulerConfig.builder().dispatchTopK(0).build())
                .hasMessageContaining("--dispatch-top-k");
        assertThatThrownBy(() -> SchedulerConfig.builder().dispatchDecodeLoadMetric("nope"))
                .hasMessageContaining("valid metrics");
        assertThatThrownBy(() -> SchedulerConfig.builder().failoverScope("rack"))
                .hasMessageContaining("instance, node, unit");
        assertThatThrownBy(() -> SchedulerConfig.builder().enableFullModeScheduling(false)
                .enableCacheAwareScheduling(true).build())
                .hasMessageContaining("--enable-cache-aware-scheduling");
        assertThatThrownBy(() -> SchedulerConfig.builder().enableFullModeScheduling(false)
                .schedulingPolicy("llumnix").build())
                .hasMessageContaining("--enable-full-mode-scheduling");
        assertThatThrownBy(() -> SchedulerConfig.builder().cmsPullStatusInterval(Duration.ZERO).build())
                .hasMessageContaining("--cms-pull-status-interval-ms");
    }

    @Test
    void schedule_concurrentCallers_ledgerCountsEveryDispatch() throws InterruptedException {
        Scheduler s = scheduler(SchedulerConfig.defaults(),
                snapshot(instance("a"), instance("b"), instance("c"), instance("d")));
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int caller = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2_000; i++) {
                    s.schedule(ScheduleRequest.of(caller + "-" + i, 3));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        Map<String, Long> perInstance = new HashMap<>();
        for (String id : List.of("a", "b", "c", "d")) {
            perInstance.put(id, s.ledger().inFlightRequests(id));
        }
        assertThat(perInstance.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(8_000);
        assertThat(perInstance.values()).allSatisfy(n -> assertThat(n).isBetween(1_900L, 2_100L));
        assertThat(s.ledger().size()).isEqualTo(8_000);
    }
}
