package io.llumnix.scheduler.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.TestingCluster;
import io.llumnix.scheduler.TestingCluster.FixedClock;
import io.llumnix.scheduler.TestingCluster.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class TestAutoscaleAdvisor {

    private final FixedClock clock = new FixedClock();
    private final AutoscaleConfig config = AutoscaleConfig.defaults().withThresholds(10, 60).withScalingDuration(Duration.ofSeconds(2))
            .withInstanceRange(1, 4);

    /** An instance with freeness (10000 − used) / running. */
    private static Status instance(String id, long used, int running) {
        Status s = TestingCluster.instance(id);
        s.used = used;
        s.running = running;
        s.decodes = running;
        return s;
    }

    private static ClusterSnapshot busy() {
        return TestingCluster.snapshot(instance("a", 9_600, 100), instance("b", 9_400, 100)); // freeness 4 and 6
    }

    private static ClusterSnapshot idle() {
        return TestingCluster.snapshot(instance("a", 100, 2), instance("b", 50, 1)); // freeness ~4950 and 9950
    }

    @Test
    void lowFreeness_advisesScaleUp_onlyOnceSustainedForTheDuration() {
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config, clock);
        assertThat(advisor.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);
        clock.advanceMillis(1_999);
        assertThat(advisor.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);
        clock.advanceMillis(1);
        AutoscaleAdvice up = advisor.observe(busy());
        assertThat(up.action()).isEqualTo(AutoscaleAdvice.Action.SCALE_UP);
        assertThat(up.load()).isEqualTo(5.0);
        assertThat(up.outOfRangeForMs()).isEqualTo(2_000);
        assertThat(up.reason()).contains("--scale-up-threshold");
        assertThat(advisor.advice()).isEqualTo(up);
    }

    @Test
    void aDipBackIntoRange_restartsTheTimer() {
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config, clock);
        advisor.observe(busy());
        clock.advanceMillis(1_500);
        advisor.observe(TestingCluster.snapshot(instance("a", 7_000, 100), instance("b", 7_000, 100))); // freeness 30: in range
        clock.advanceMillis(1_500);
        assertThat(advisor.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);
        clock.advanceMillis(2_000);
        assertThat(advisor.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.SCALE_UP);
    }

    @Test
    void highFreeness_advisesDrainingTheInstanceWithFewestRequests() {
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config, clock);
        advisor.observe(idle());
        clock.advanceMillis(2_000);
        AutoscaleAdvice down = advisor.observe(idle());
        assertThat(down.action()).isEqualTo(AutoscaleAdvice.Action.SCALE_DOWN);
        assertThat(down.drainCandidate()).contains("b");
    }

    @Test
    void bounds_holdAtMinAndMax_andAreRestoredAtOnce() {
        AutoscaleAdvisor atMin = new AutoscaleAdvisor(config.withInstanceRange(2, 4), clock);
        atMin.observe(idle());
        clock.advanceMillis(5_000);
        assertThat(atMin.observe(idle()).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);
        assertThat(atMin.advice().reason()).contains("--min-instances");

        AutoscaleAdvisor atMax = new AutoscaleAdvisor(config.withInstanceRange(1, 2), clock);
        atMax.observe(busy());
        clock.advanceMillis(5_000);
        assertThat(atMax.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);

        AutoscaleAdvisor belowMin = new AutoscaleAdvisor(config.withInstanceRange(3, 4), clock);
        assertThat(belowMin.observe(idle()).action()).isEqualTo(AutoscaleAdvice.Action.SCALE_UP);
        AutoscaleAdvisor aboveMax = new AutoscaleAdvisor(config.withInstanceRange(1, 1), clock);
        assertThat(aboveMax.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.SCALE_DOWN);
    }

    @Test
    void unschedulableInstances_areOnTheirWayOut_andDoNotCount() {
        Status draining = instance("c", 0, 0);
        draining.schedulable = false;
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config, clock);
        AutoscaleAdvice a = advisor.observe(TestingCluster.snapshot(instance("a", 9_600, 100), draining));
        assertThat(a.instances()).isEqualTo(1);
        assertThat(a.load()).isEqualTo(4.0);
    }

    @Test
    void aChangeInClusterSize_givesTheLastActionTimeToShow() {
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config, clock);
        advisor.observe(busy());
        clock.advanceMillis(2_000);
        assertThat(advisor.observe(busy()).action()).isEqualTo(AutoscaleAdvice.Action.SCALE_UP);
        ClusterSnapshot three = TestingCluster.snapshot(instance("a", 9_600, 100), instance("b", 9_400, 100), instance("c", 9_500, 100));
        assertThat(advisor.observe(three).action()).isEqualTo(AutoscaleAdvice.Action.HOLD);
        clock.advanceMillis(2_000);
        assertThat(advisor.observe(three).action()).isEqualTo(AutoscaleAdvice.Action.SCALE_UP);
    }

    @Test
    void maxLoad_usesTheMostLoadedInstance() {
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(config.withScalingPolicy(ScalingPolicy.MAX_LOAD), clock);
        AutoscaleAdvice a = advisor.observe(TestingCluster.snapshot(instance("a", 9_600, 100), instance("b", 0, 1)));
        assertThat(a.load()).isEqualTo(4.0);
    }

    @Test
    void invalidFlags_areRefusedNamingThem() {
        assertThatThrownBy(() -> AutoscaleConfig.defaults().withThresholds(60, 10)).hasMessageContaining("--scale-up-threshold");
        assertThatThrownBy(() -> AutoscaleConfig.defaults().withInstanceRange(3, 2)).hasMessageContaining("--max-instances");
        assertThatThrownBy(() -> ScalingPolicy.parse("median")).hasMessageContaining("avg_load, max_load");
    }
}
