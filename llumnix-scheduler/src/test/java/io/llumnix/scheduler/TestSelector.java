package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestSelector {

    private static final ScheduleRequest REQ = ScheduleRequest.of("r", 10);

    private static TestingCluster.Status withRequests(String id, int waiting) {
        TestingCluster.Status s = instance(id);
        s.waiting = waiting;
        return s;
    }

    private static int[] all(ClusterSnapshot s) {
        return s.indices(io.llumnix.core.InferType.NEUTRAL);
    }

    @Test
    void metricBased_picksLowestLoad() {
        ClusterSnapshot s = snapshot(withRequests("a", 3), withRequests("b", 1), withRequests("c", 2));
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS), 1, new SeededRandom(1));

        assertThat(s.id(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of())))).isEqualTo("b");
    }

    @Test
    void metricBased_tie_brokenByInstanceId() {
        ClusterSnapshot s = snapshot(withRequests("c", 1), withRequests("b", 1), withRequests("a", 2));
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS), 1, new SeededRandom(1));

        assertThat(s.id(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of())))).isEqualTo("b");
    }

    @Test
    void metricBased_lexicographic_secondMetricBreaksTies() {
        TestingCluster.Status a = withRequests("a", 1);
        a.used = 500;
        TestingCluster.Status b = withRequests("b", 1);
        b.used = 100;
        ClusterSnapshot s = snapshot(a, b);
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS, SchedulingMetric.NUM_TOKENS), 1,
                new SeededRandom(1));

        assertThat(s.id(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of())))).isEqualTo("b");
    }

    @Test
    void metricBased_higherIsBetterMetric_picksHighest() {
        TestingCluster.Status a = instance("a");
        a.used = 9_000;
        ClusterSnapshot s = snapshot(a, instance("b"));
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.FREENESS), 1, new SeededRandom(1));

        assertThat(s.id(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of())))).isEqualTo("b");
    }

    @Test
    void metricBased_topK_drawsOnlyAmongKBest_reproduciblyFromSeed() {
        ClusterSnapshot s = snapshot(withRequests("a", 0), withRequests("b", 1), withRequests("c", 2),
                withRequests("d", 9));
        List<String> first = draws(s, 7);
        assertThat(first).isEqualTo(draws(s, 7));
        assertThat(new HashSet<>(first)).containsExactlyInAnyOrder("a", "b", "c");
    }

    private static List<String> draws(ClusterSnapshot s, long seed) {
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS), 3, new SeededRandom(seed));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            out.add(s.id(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of()))));
        }
        return out;
    }

    @Test
    void metricBased_noCandidatePasses_returnsMinusOne() {
        TestingCluster.Status a = instance("a");
        a.schedulable = false;
        ClusterSnapshot s = snapshot(a);
        Selector sel = new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS), 2, new SeededRandom(1));

        assertThat(sel.select(all(s), TestInstanceFilter.ctx(s, REQ, List.of(new InstanceFilter.Schedulable(true)))))
                .isEqualTo(-1);
    }

    @Test
    void fixedPreference_alwaysFirstPassingById() {
        TestingCluster.Status a = withRequests("a", 50);
        a.schedulable = false;
        ClusterSnapshot s = snapshot(a, withRequests("b", 40), withRequests("c", 0));
        DecisionContext ctx = TestInstanceFilter.ctx(s, REQ, List.of(new InstanceFilter.Schedulable(true)));

        assertThat(s.id(new Selector.FixedPreference().select(all(s), ctx))).isEqualTo("b");
    }

    @Test
    void roundRobin_cyclesThroughPassingInstancesInIdOrder() {
        TestingCluster.Status b = instance("b");
        b.schedulable = false;
        ClusterSnapshot s = snapshot(instance("a"), b, instance("c"), instance("d"));
        Selector rr = new Selector.RoundRobin();
        DecisionContext ctx = TestInstanceFilter.ctx(s, REQ, List.of(new InstanceFilter.Schedulable(true)));
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(s.id(rr.select(all(s), ctx)));
        }

        assertThat(picks).containsExactly("a", "c", "d", "a", "c", "d");
    }

    @Test
    void pipeline_fallbackPass_skipsSoftFiltersOnlyWhenStrictFindsNobody() {
        ClusterSnapshot s = snapshot(withRequests("a", 5), withRequests("b", 6));
        DispatchPipeline p = new DispatchPipeline(
                List.of(new InstanceFilter.Schedulable(true),
                        new InstanceFilter.MetricThreshold(SchedulingMetric.NUM_REQUESTS, 2)),
                new Selector.MetricBased(List.of(SchedulingMetric.NUM_REQUESTS), 1, new SeededRandom(1)));
        DecisionContext ctx = TestInstanceFilter.ctx(s, REQ, p.filters());

        assertThat(s.id(p.select(all(s), ctx))).isEqualTo("a");
        assertThat(ctx.fallbackPass).isTrue();

        ClusterSnapshot roomy = snapshot(withRequests("a", 5), withRequests("b", 1));
        DecisionContext ctx2 = TestInstanceFilter.ctx(roomy, REQ, p.filters());
        assertThat(roomy.id(p.select(all(roomy), ctx2))).isEqualTo("b");
        assertThat(ctx2.fallbackPass).isFalse();
    }

    @Test
    void pipeline_fallbackPass_neverSkipsHardFilters() {
        TestingCluster.Status a = instance("a");
        a.schedulable = false;
        ClusterSnapshot s = snapshot(a);
        DispatchPipeline p = new DispatchPipeline(
                List.of(new InstanceFilter.Schedulable(true),
                        new InstanceFilter.MetricThreshold(SchedulingMetric.NUM_REQUESTS, -1)),
                new Selector.FixedPreference());

        assertThat(p.select(all(s), TestInstanceFilter.ctx(s, REQ, p.filters()))).isEqualTo(-1);
    }
}
