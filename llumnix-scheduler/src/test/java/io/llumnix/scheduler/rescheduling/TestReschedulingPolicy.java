package io.llumnix.scheduler.rescheduling;

import static io.llumnix.scheduler.TestingCluster.NOW_MS;
import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.core.InferType;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.FailoverScope;
import io.llumnix.scheduler.MetricParams;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.TestingCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestReschedulingPolicy {

    private static final ReschedulingConfig CONFIG = ReschedulingConfig.defaults();

    private static TestingCluster.Status decode(String id, long used) {
        TestingCluster.Status s = instance(id);
        s.type = InferType.DECODE;
        s.used = used;
        s.running = used > 0 ? 2 : 0;
        return s;
    }

    private static TestingCluster.Status neutral(String id, long used) {
        TestingCluster.Status s = instance(id);
        s.used = used;
        s.running = used > 0 ? 2 : 0;
        return s;
    }

    private static List<String> pairs(List<MigrationOrder> orders) {
        return orders.stream().map(o -> o.sourceInstanceId() + "->" + o.destInstanceId()).toList();
    }

    private static List<MigrationOrder> plan(String policy, ClusterSnapshot s) {
        return plan(policy, s, CONFIG);
    }

    private static List<MigrationOrder> plan(String policy, ClusterSnapshot s, ReschedulingConfig c) {
        return ReschedulingPolicies.create(policy).plan(s, c, NOW_MS);
    }

    @Test
    void decodeLoad_pairsMostLoadedWithLeastLoaded() {
        ClusterSnapshot s = snapshot(decode("a", 9000), decode("b", 1000), decode("c", 7000), decode("d", 0),
                neutral("n", 9999));

        List<MigrationOrder> orders = plan("decode_load", s);

        assertThat(pairs(orders)).containsExactly("a->d", "c->b");
        assertThat(orders.getFirst().rule()).isEqualTo(MigrationRule.TOKEN);
        assertThat(orders.getFirst().order()).isEqualTo(RequestOrder.SR);
        assertThat(orders.getFirst().policy()).isEqualTo("decode_load");
    }

    @Test
    void decodeLoad_balancedCluster_noMigration() {
        assertThat(plan("decode_load", snapshot(decode("a", 5000), decode("b", 4950)))).isEmpty();
    }

    @Test
    void decodeLoad_respectsSlotsAndHealth() {
        TestingCluster.Status full = decode("a", 9000);
        full.outSlots = 0;
        TestingCluster.Status noIn = decode("b", 0);
        noIn.inSlots = 0;
        TestingCluster.Status stale = decode("c", 0);
        stale.timestampMs = NOW_MS - 120_000;
        assertThat(plan("decode_load", snapshot(full, decode("x", 0)))).isEmpty();
        assertThat(plan("decode_load", snapshot(decode("y", 9000), noIn))).isEmpty();
        assertThat(plan("decode_load", snapshot(decode("z", 9000), stale))).isEmpty();
    }

    @Test
    void neutralLoad_gapSmallerThanOneRequest_isLeftAlone() {
        // a holds one request: moving it to b would only swap the imbalance, and the next tick would move it back.
        TestingCluster.Status single = neutral("a", 8000);
        single.running = 1;
        single.waiting = 0;
        assertThat(plan("neutral_load", snapshot(single, neutral("b", 0)))).isEmpty();
        TestingCluster.Status many = neutral("a", 8000);
        many.running = 8;
        many.waiting = 0;
        assertThat(pairs(plan("neutral_load", snapshot(many, neutral("b", 0))))).containsExactly("a->b");
    }

    @Test
    void neutralLoad_onlyNeutralInstances() {
        ClusterSnapshot s = snapshot(neutral("a", 8000), neutral("b", 0), decode("c", 9000), decode("d", 0));

        assertThat(pairs(plan("neutral_load", s))).containsExactly("a->b");
    }

    @Test
    void failover_drainsUnschedulableAndStaleToHealthy_roundRobin() {
        TestingCluster.Status down = neutral("a", 3000);
        down.schedulable = false;
        TestingCluster.Status stale = neutral("b", 3000);
        stale.timestampMs = NOW_MS - 61_000;
        TestingCluster.Status idleDown = neutral("c", 0); // nothing to drain
        idleDown.schedulable = false;
        ClusterSnapshot s = snapshot(down, stale, idleDown, neutral("x", 100), neutral("y", 2000));

        List<MigrationOrder> orders = plan("neutral_failover", s);

        assertThat(pairs(orders)).containsExactly("a->x", "b->y");
        assertThat(orders).allSatisfy(o -> {
            assertThat(o.rule()).isEqualTo(MigrationRule.RATIO);
            assertThat(o.value()).isEqualTo(1.0);
        });
        assertThat(plan("decode_failover", s)).isEmpty();
    }

    @Test
    void failover_byNode_drainsWholeNodeAndAvoidsIt() {
        TestingCluster.Status a = neutral("a", 100);
        a.node = "n1";
        a.schedulable = false;
        TestingCluster.Status b = neutral("b", 100);
        b.node = "n1";
        TestingCluster.Status c = neutral("c", 100);
        c.node = "n2";
        ClusterSnapshot s = snapshot(a, b, c);

        assertThat(pairs(plan("failover", s, CONFIG.withFailoverScope(FailoverScope.NODE))))
                .containsExactly("a->c", "b->c");
        assertThat(pairs(plan("failover", s, CONFIG.withFailoverScope(FailoverScope.INSTANCE))))
                .containsExactly("a->b");
    }

    @Test
    void defrag_headOfLineDemandMakesSourceAndFreestIsDestination() {
        TestingCluster.Status blocked = neutral("a", 9000);
        blocked.waiting = 1;
        blocked.headBlocks = 100; // 1600 tokens wanted, 1000 free: freeness < 0
        ClusterSnapshot s = snapshot(blocked, neutral("b", 5000), neutral("c", 1000));

        assertThat(pairs(plan("defrag", s))).containsExactly("a->c");
        blocked.headBlocks = 10; // 160 tokens fit: no fragmentation pressure
        assertThat(plan("defrag", snapshot(blocked, neutral("b", 5000), neutral("c", 1000)))).isEmpty();
    }

    @Test
    void priority_restoresHeadroomByMovingNormalRequests() {
        TestingCluster.Status vip = neutral("a", 9500);
        vip.highPriorityUsed = 2000;
        TestingCluster.Status otherVip = neutral("b", 0);
        otherVip.highPriorityUsed = 10;
        ClusterSnapshot s = snapshot(vip, otherVip, neutral("c", 6000), neutral("d", 1000));
        ReschedulingConfig c = CONFIG.withMetricParams(MetricParams.defaults().withPriorityHeadroomTokens(2000));

        List<MigrationOrder> orders = plan("priority", s, c);

        assertThat(pairs(orders)).containsExactly("a->d");
        assertThat(orders.getFirst().normalPriorityOnly()).isTrue();
        assertThat(orders.getFirst().rule()).isEqualTo(MigrationRule.TOKEN);
        assertThat(orders.getFirst().value()).isEqualTo(1500);
        assertThat(plan("priority", s, CONFIG)).isEmpty(); // no headroom configured
    }

    @Test
    void priority_fallsBackToAHighPriorityHostThatKeepsItsOwnHeadroom() {
        ReschedulingConfig c = CONFIG.withMetricParams(MetricParams.defaults().withPriorityHeadroomTokens(2000));
        TestingCluster.Status vip = neutral("a", 9500);
        vip.highPriorityUsed = 2000;
        TestingCluster.Status full = neutral("b", 9000); // no high-priority load, but only 1000 free
        TestingCluster.Status roomyVip = neutral("c", 2000); // 8000 free: 6000 beyond its own headroom
        roomyVip.highPriorityUsed = 500;

        assertThat(pairs(plan("priority", snapshot(vip, full, roomyVip), c))).containsExactly("a->c");

        roomyVip.waiting = 1;
        roomyVip.headBlocks = 400; // its queue head wants 6400 of those tokens: no spare left for 1500 more
        assertThat(plan("priority", snapshot(vip, full, roomyVip), c)).isEmpty();
    }

    @Test
    void priority_queuedHighPriorityRequestMakesItsInstanceAHost() {
        ReschedulingConfig c = CONFIG.withMetricParams(MetricParams.defaults().withPriorityHeadroomTokens(2000));
        TestingCluster.Status queued = neutral("a", 9500);
        queued.waiting = 1;
        queued.headBlocks = 30;
        TestingCluster.Status idle = neutral("b", 0);

        assertThat(plan("priority", snapshot(queued, idle), c)).isEmpty(); // nothing high-priority reported

        queued.highPriorityUsed = 480; // what the llumlet reports for a queued high-priority request's prompt
        assertThat(pairs(plan("priority", snapshot(queued, idle), c))).containsExactly("a->b");
    }

    @Test
    void binpackingMitigation_overloadedGoesToMostLoadedThatFits() {
        ClusterSnapshot s = snapshot(neutral("a", 10_500), neutral("b", 8000), neutral("c", 1000));

        assertThat(pairs(plan("binpacking_mitigation", s))).containsExactly("a->b");
    }

    @Test
    void binpackingConsolidation_drainsLightInstancesIntoFullestThatFits() {
        ClusterSnapshot s = snapshot(neutral("a", 500), neutral("b", 7000), neutral("c", 9800), neutral("d", 0));

        List<MigrationOrder> orders = plan("binpacking_consolidation", s);

        assertThat(pairs(orders)).containsExactly("a->b");
        assertThat(orders.getFirst().rule()).isEqualTo(MigrationRule.RATIO);
    }

    @Test
    void plans_areDeterministic_tiesByInstanceId() {
        ClusterSnapshot s = snapshot(decode("d", 9000), decode("c", 9000), decode("b", 0), decode("a", 0));

        assertThat(pairs(plan("decode_load", s))).containsExactly("c->a", "d->b");
    }

    @Test
    void registry_unknownName_listsValid() {
        assertThatThrownBy(() -> ReschedulingPolicies.parseList("decode_load, balance"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'balance'")
                .hasMessageContaining("binpacking_consolidation");
        assertThat(ReschedulingPolicies.parseList("decode_load, defrag")).containsExactly("decode_load", "defrag");
    }

    @Test
    void config_invalidValuesAndCombinations_refused() {
        assertThatThrownBy(() -> RequestOrder.parse("XYZ")).hasMessageContaining("LCR, FCR, LR, SR, FCW, FCWSR");
        assertThatThrownBy(() -> MigrationRule.parse("bytes")).hasMessageContaining("NUM_REQ, TOKEN, RATIO");
        assertThatThrownBy(() -> CONFIG.withSelection(MigrationRule.TOKEN, RequestOrder.SR, 0))
                .hasMessageContaining("--rescheduling-req-select-value");
        assertThatThrownBy(() -> CONFIG.withEnabled(true, List.of()))
                .hasMessageContaining("--rescheduling-policies");
        ReschedulingConfig on = CONFIG.withEnabled(true, List.of("decode_load"));
        assertThatThrownBy(() -> on.checkCompatibleWith(
                SchedulerConfig.builder().schedulingPolicy("infaas++").build()))
                .hasMessageContaining("infaas++");
        assertThatThrownBy(() -> on.checkCompatibleWith(
                SchedulerConfig.builder().enableFullModeScheduling(false).build()))
                .hasMessageContaining("--enable-full-mode-scheduling");
        on.checkCompatibleWith(SchedulerConfig.builder().schedulingPolicy("llumnix").build());
    }
}
