package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.NOW_MS;
import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestInstanceFilter {

    static DecisionContext ctx(ClusterSnapshot s, ScheduleRequest r, List<InstanceFilter> filters) {
        InFlight[] inflight = new InFlight[s.size()];
        java.util.Arrays.fill(inflight, InFlight.NONE);
        return new DecisionContext(s, inflight, r, NOW_MS, MetricParams.defaults(), filters, Map.of(), 16);
    }

    private static boolean accepts(InstanceFilter f, ClusterSnapshot s, int i, ScheduleRequest r) {
        return f.accept(i, ctx(s, r, List.of(f)));
    }

    private static final ScheduleRequest REQ = ScheduleRequest.of("r", 10);

    @Test
    void schedulable_dropsDrainingInstances() {
        TestingCluster.Status draining = instance("a");
        draining.schedulable = false;
        ClusterSnapshot s = snapshot(draining, instance("b"));

        InstanceFilter f = new InstanceFilter.Schedulable(true);
        assertThat(accepts(f, s, 0, REQ)).isFalse();
        assertThat(accepts(f, s, 1, REQ)).isTrue();
    }

    @Test
    void schedulable_missingStatus_onlyAcceptedInLiteMode() {
        ClusterSnapshot s = ClusterSnapshot.of(List.of(InstanceView.lite(InstanceMetadata.ofEndpoint("h", 1))), 0);

        assertThat(accepts(new InstanceFilter.Schedulable(true), s, 0, REQ)).isFalse();
        assertThat(accepts(new InstanceFilter.Schedulable(false), s, 0, REQ)).isTrue();
    }

    @Test
    void staleness_dropsOldStatuses() {
        TestingCluster.Status old = instance("a");
        old.timestampMs = NOW_MS - 5_001;
        TestingCluster.Status fresh = instance("b");
        fresh.timestampMs = NOW_MS - 5_000;
        ClusterSnapshot s = snapshot(old, fresh);

        InstanceFilter f = new InstanceFilter.Fresh(5_000);
        assertThat(accepts(f, s, 0, REQ)).isFalse();
        assertThat(accepts(f, s, 1, REQ)).isTrue();
    }

    @Test
    void metricThreshold_isSoft_andComparesByDirection() {
        TestingCluster.Status busy = instance("a");
        busy.waiting = 5;
        ClusterSnapshot s = snapshot(busy, instance("b"));

        InstanceFilter lower = new InstanceFilter.MetricThreshold(SchedulingMetric.NUM_REQUESTS, 4);
        assertThat(lower.soft()).isTrue();
        assertThat(accepts(lower, s, 0, REQ)).isFalse();
        assertThat(accepts(lower, s, 1, REQ)).isTrue();

        InstanceFilter higher = new InstanceFilter.MetricThreshold(SchedulingMetric.FREENESS, 9_000);
        assertThat(accepts(higher, s, 1, REQ)).isTrue();
    }

    @Test
    void inferType_keepsOnlyThatRole() {
        TestingCluster.Status decode = instance("a");
        decode.type = InferType.DECODE;
        ClusterSnapshot s = snapshot(decode, instance("b"));

        InstanceFilter f = new InstanceFilter.OfInferType(InferType.DECODE);
        assertThat(accepts(f, s, 0, REQ)).isTrue();
        assertThat(accepts(f, s, 1, REQ)).isFalse();
    }

    @Test
    void reservedRole_reservedInstanceOnlyTakesItsRole() {
        TestingCluster.Status reserved = instance("a");
        reserved.reservedRole = "vip";
        ClusterSnapshot s = snapshot(reserved, instance("b"));

        InstanceFilter f = new InstanceFilter.ReservedRole();
        assertThat(accepts(f, s, 0, REQ)).isFalse();
        assertThat(accepts(f, s, 0, REQ.withRole("vip"))).isTrue();
        assertThat(accepts(f, s, 1, REQ)).isTrue();
        assertThat(accepts(f, s, 1, REQ.withRole("vip"))).isTrue();
    }

    @Test
    void not_invertsAndKeepsSoftness() {
        TestingCluster.Status reserved = instance("a");
        reserved.reservedRole = "vip";
        ClusterSnapshot s = snapshot(reserved, instance("b"));

        InstanceFilter f = new InstanceFilter.Not(new InstanceFilter.ReservedRole());
        assertThat(accepts(f, s, 0, REQ)).isTrue();
        assertThat(accepts(f, s, 1, REQ)).isFalse();
        assertThat(f.soft()).isFalse();
        assertThat(new InstanceFilter.Not(new InstanceFilter.MetricThreshold(SchedulingMetric.NUM_REQUESTS, 1)).soft())
                .isTrue();
    }

    @Test
    void failoverDomain_excludesByScope() {
        TestingCluster.Status a = instance("a");
        a.node = "n1";
        a.unit = "u1";
        TestingCluster.Status b = instance("b");
        b.node = "n1";
        b.unit = "u1";
        TestingCluster.Status c = instance("c");
        c.node = "n2";
        c.unit = "u1";
        TestingCluster.Status d = instance("d");
        d.node = "n3";
        d.unit = "u2";
        ClusterSnapshot s = snapshot(a, b, c, d);
        ScheduleRequest failedOnA = REQ.withExcluded(Set.of("a"));

        assertThat(acceptedIds(new InstanceFilter.FailoverDomain(FailoverScope.INSTANCE), s, failedOnA))
                .containsExactly("b", "c", "d");
        assertThat(acceptedIds(new InstanceFilter.FailoverDomain(FailoverScope.NODE), s, failedOnA))
                .containsExactly("c", "d");
        assertThat(acceptedIds(new InstanceFilter.FailoverDomain(FailoverScope.UNIT), s, failedOnA))
                .containsExactly("d");
        assertThat(acceptedIds(new InstanceFilter.FailoverDomain(FailoverScope.UNIT), s, REQ))
                .containsExactly("a", "b", "c", "d");
    }

    @Test
    void failoverDomain_emptyNodeId_doesNotExcludeEveryone() {
        ClusterSnapshot s = snapshot(instance("a"), instance("b"));

        assertThat(acceptedIds(new InstanceFilter.FailoverDomain(FailoverScope.NODE), s,
                REQ.withExcluded(Set.of("a")))).containsExactly("b");
    }

    private static List<String> acceptedIds(InstanceFilter f, ClusterSnapshot s, ScheduleRequest r) {
        DecisionContext c = ctx(s, r, List.of(f));
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            if (f.accept(i, c)) {
                ids.add(s.id(i));
            }
        }
        return ids;
    }
}
