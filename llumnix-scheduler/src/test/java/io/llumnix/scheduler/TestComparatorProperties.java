package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.instance;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.InferType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded randomized properties: every metric-based comparator is a strict weak order (so sorting and
 * arg-min agree and no instance is starved by an inconsistent comparison), and repeated dispatch over
 * equal instances reaches all of them.
 */
final class TestComparatorProperties {

    private static final long[] SEEDS = {1, 7, 42, 2024, 0xC0FFEE};

    /** Random loads drawn from few values so that ties (incomparable pairs) are common. */
    private static ClusterSnapshot randomSnapshot(SplittableRandom r, int n) {
        List<TestingCluster.Status> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TestingCluster.Status s = instance(String.format("i%03d", i));
            s.waiting = r.nextInt(3);
            s.running = r.nextInt(3);
            s.decodes = r.nextInt(3);
            s.used = 1000L * r.nextInt(3);
            s.total = r.nextBoolean() ? 10_000 : 0; // 0: unknown capacity
            s.waitingPrefill = 100L * r.nextInt(3);
            s.runningPrefill = 100L * r.nextInt(2);
            s.decodeTokens = 500L * r.nextInt(2);
            s.headBlocks = r.nextInt(2);
            s.highPriorityUsed = r.nextInt(4) == 0 ? 10 : 0;
            s.schedulable = r.nextInt(10) != 0;
            all.add(s);
        }
        return TestingCluster.snapshot(all.toArray(TestingCluster.Status[]::new));
    }

    private static List<List<SchedulingMetric>> rankings(SplittableRandom r) {
        List<List<SchedulingMetric>> out = new ArrayList<>();
        for (SchedulingMetric m : SchedulingMetric.values()) {
            out.add(List.of(m));
        }
        SchedulingMetric[] v = SchedulingMetric.values();
        for (int i = 0; i < 10; i++) {
            out.add(List.of(v[r.nextInt(v.length)], v[r.nextInt(v.length)]));
        }
        return out;
    }

    @Test
    void metricComparator_isStrictWeakOrder_forEveryMetricAndCombination() {
        for (long seed : SEEDS) {
            SplittableRandom r = new SplittableRandom(seed);
            ClusterSnapshot s = randomSnapshot(r, 24);
            ScheduleRequest req = ScheduleRequest.of("r", r.nextInt(200));
            DecisionContext ctx = TestInstanceFilter.ctx(s, req, List.of());
            for (List<SchedulingMetric> ranking : rankings(r)) {
                Selector.MetricBased sel = new Selector.MetricBased(ranking, 1, new SeededRandom(seed));
                int n = s.size();
                for (int a = 0; a < n; a++) {
                    assertThat(sel.compare(a, a, ctx)).as("irreflexive %s", ranking).isZero();
                    for (int b = 0; b < n; b++) {
                        int ab = Integer.signum(sel.compare(a, b, ctx));
                        int ba = Integer.signum(sel.compare(b, a, ctx));
                        assertThat(ab).as("asymmetric %s %d %d", ranking, a, b).isEqualTo(-ba);
                        for (int c = 0; c < n; c++) {
                            int bc = Integer.signum(sel.compare(b, c, ctx));
                            int ac = Integer.signum(sel.compare(a, c, ctx));
                            if (ab < 0 && bc < 0) {
                                assertThat(ac).as("transitive %s", ranking).isNegative();
                            }
                            if (ab == 0 && bc == 0) {
                                assertThat(ac).as("incomparability transitive %s", ranking).isZero();
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void metricComparator_orderOnMetricsIgnoringIds_isStrictWeakOrder() {
        // Without the id tie-break ties exist; incomparability must still be transitive.
        for (long seed : SEEDS) {
            SplittableRandom r = new SplittableRandom(seed);
            ClusterSnapshot s = randomSnapshot(r, 20);
            DecisionContext ctx = TestInstanceFilter.ctx(s, ScheduleRequest.of("r", 50), List.of());
            for (List<SchedulingMetric> ranking : rankings(r)) {
                int n = s.size();
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        for (int c = 0; c < n; c++) {
                            int ab = metricsOnly(ranking, a, b, ctx);
                            int bc = metricsOnly(ranking, b, c, ctx);
                            int ac = metricsOnly(ranking, a, c, ctx);
                            if (ab == 0 && bc == 0) {
                                assertThat(ac).isZero();
                            }
                            if (ab < 0 && bc <= 0 || ab <= 0 && bc < 0) {
                                assertThat(ac).isNegative();
                            }
                        }
                    }
                }
            }
        }
    }

    private static int metricsOnly(List<SchedulingMetric> ranking, int a, int b, DecisionContext ctx) {
        for (SchedulingMetric m : ranking) {
            int c = Double.compare(ctx.cost(m, a), ctx.cost(m, b));
            if (c != 0) {
                return Integer.signum(c);
            }
        }
        return 0;
    }

    @Test
    void selectedInstance_isMinimumUnderComparator() {
        for (long seed : SEEDS) {
            SplittableRandom r = new SplittableRandom(seed);
            ClusterSnapshot s = randomSnapshot(r, 50);
            DecisionContext ctx = TestInstanceFilter.ctx(s, ScheduleRequest.of("r", 30), List.of());
            for (List<SchedulingMetric> ranking : rankings(r)) {
                Selector.MetricBased sel = new Selector.MetricBased(ranking, 1, new SeededRandom(seed));
                int chosen = sel.select(s.indices(InferType.NEUTRAL), ctx);
                for (int i = 0; i < s.size(); i++) {
                    assertThat(sel.compare(chosen, i, ctx)).isLessThanOrEqualTo(0);
                }
            }
        }
    }

    @Test
    void repeatedDispatch_overEqualInstances_reachesEveryInstance() {
        for (String policy : DispatchPolicies.names()) {
            if (policy.equals("flood")) {
                continue; // flood piles on one instance by design
            }
            for (long seed : SEEDS) {
                int n = 1 + new SplittableRandom(seed).nextInt(40);
                List<TestingCluster.Status> equal = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    equal.add(instance(String.format("e%02d", i)));
                }
                Scheduler s = new Scheduler(SchedulerConfig.builder().schedulingPolicy(policy).dispatchSeed(seed)
                        .dispatchTopK(1 + (int) (seed % 3)).build(), new TestingCluster.FixedClock());
                s.updateSnapshot(TestingCluster.snapshot(equal.toArray(TestingCluster.Status[]::new)));
                Set<String> reached = new HashSet<>();
                for (int i = 0; i < 4 * n; i++) {
                    ScheduleDecision d = s.schedule(ScheduleRequest.of("r" + i, 100));
                    reached.add(((ScheduleDecision.Dispatched) d).instanceId());
                }
                assertThat(reached).as("%s seed %d", policy, seed).hasSize(n);
            }
        }
    }

    @Test
    void decisions_reproducibleFromSeed() {
        for (long seed : SEEDS) {
            assertThat(decisionSequence(seed)).isEqualTo(decisionSequence(seed));
        }
    }

    private static List<String> decisionSequence(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ClusterSnapshot snap = randomSnapshot(r, 30);
        Scheduler s = new Scheduler(SchedulerConfig.builder().dispatchTopK(3).dispatchSeed(seed).build(),
                new TestingCluster.FixedClock());
        s.updateSnapshot(snap);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ScheduleDecision d = s.schedule(ScheduleRequest.of("r" + i, r.nextInt(500)));
            out.add(d instanceof ScheduleDecision.Dispatched x ? x.instanceId() : "none");
            if (r.nextBoolean()) {
                s.release("r" + r.nextInt(i + 1));
            }
        }
        return out;
    }
}
