package io.llumnix.scheduler;

import static io.llumnix.scheduler.TestingCluster.instance;
import static io.llumnix.scheduler.TestingCluster.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.llumnix.cms.InstanceMetadata;
import org.junit.jupiter.api.Test;

final class TestSchedulingMetric {

    private static final MetricParams P = new MetricParams(0.1, 0.5, 1.0, 2.0, 100);

    /** A loaded instance: 2 waiting, 3 running (2 decoding), 4000 of 10000 tokens used. */
    private static InstanceLoad loaded() {
        TestingCluster.Status s = instance("a");
        s.waiting = 2;
        s.running = 3;
        s.decodes = 2;
        s.used = 4000;
        s.waitingPrefill = 300;
        s.runningPrefill = 200;
        s.decodeTokens = 1500;
        s.headBlocks = 10;
        return snapshot(s).load(0);
    }

    private static double v(SchedulingMetric m, long inReq, long inTok, long prompt, long hit) {
        return m.compute(loaded(), inReq, inTok, prompt, hit, P);
    }

    @Test
    void numRequests_countsStatusAndInflight() {
        assertThat(v(SchedulingMetric.NUM_REQUESTS, 0, 0, 0, 0)).isEqualTo(5);
        assertThat(v(SchedulingMetric.NUM_REQUESTS, 2, 0, 0, 0)).isEqualTo(7);
    }

    @Test
    void numTokens_usedPlusWaitingPrefillPlusInflight() {
        assertThat(v(SchedulingMetric.NUM_TOKENS, 1, 50, 0, 0)).isEqualTo(4000 + 300 + 50);
    }

    @Test
    void numWaitingRequests_countsInflightAsWaiting() {
        assertThat(v(SchedulingMetric.NUM_WAITING_REQUESTS, 3, 0, 0, 0)).isEqualTo(5);
    }

    @Test
    void kvCacheUsageRatioProjected_includesThisPrompt() {
        assertThat(v(SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED, 1, 100, 600, 0))
                .isCloseTo((4000 + 300 + 100 + 600) / 10_000.0, within(1e-12));
    }

    @Test
    void kvCacheUsageRatioProjected_unknownCapacity_degradesToTokenCount() {
        InstanceLoad lite = ClusterSnapshot.of(
                java.util.List.of(InstanceView.lite(InstanceMetadata.ofEndpoint("h", 1))), 0).load(0);

        assertThat(SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED.compute(lite, 1, 70, 30, 0, P)).isEqualTo(100);
    }

    @Test
    void decodeBatchSize_decodesPlusInflight() {
        assertThat(v(SchedulingMetric.DECODE_BATCH_SIZE, 1, 0, 0, 0)).isEqualTo(3);
    }

    @Test
    void allPrefillsTokensNum_waitingAndRunningPrefillsPlusInflight() {
        assertThat(v(SchedulingMetric.ALL_PREFILLS_TOKENS_NUM, 1, 40, 999, 0)).isEqualTo(540);
    }

    @Test
    void allDecodesTokensNum_decodeContextPlusInflight() {
        assertThat(v(SchedulingMetric.ALL_DECODES_TOKENS_NUM, 1, 40, 0, 0)).isEqualTo(1540);
    }

    @Test
    void kvCacheHitLen_isHitAndHigherIsBetter() {
        assertThat(v(SchedulingMetric.KV_CACHE_HIT_LEN, 0, 0, 100, 64)).isEqualTo(64);
        assertThat(SchedulingMetric.KV_CACHE_HIT_LEN.higherIsBetter()).isTrue();
        assertThat(SchedulingMetric.KV_CACHE_HIT_LEN.cost(64)).isEqualTo(-64);
    }

    @Test
    void cacheAwareAllPrefills_noHit_missIsWholePromptNeverZero() {
        assertThat(v(SchedulingMetric.CACHE_AWARE_ALL_PREFILLS_TOKENS_NUM, 0, 0, 800, 0)).isEqualTo(500 + 800);
        assertThat(v(SchedulingMetric.CACHE_AWARE_ALL_PREFILLS_TOKENS_NUM, 0, 0, 800, 640)).isEqualTo(500 + 160);
    }

    @Test
    void predictedTtft_linearInQueuedPrefillTokens() {
        double decodeStep = 2.0 + 0.5 * 2 + 1.0 * 1500 / 1000.0;
        assertThat(v(SchedulingMetric.PREDICTED_TTFT, 0, 0, 100, 0)).isCloseTo((500 + 100) * 0.1 + decodeStep,
                within(1e-9));
    }

    @Test
    void predictedTpot_decodeStepWithThisRequestAdded() {
        assertThat(v(SchedulingMetric.PREDICTED_TPOT, 0, 0, 500, 0))
                .isCloseTo(2.0 + 0.5 * 3 + 1.0 * 2000 / 1000.0, within(1e-9));
    }

    @Test
    void freeness_capacityMinusVirtualUsageOverBatch() {
        // virtual usage = used 4000 + head-of-line 10 blocks x 16 + in-flight 200; batch = 3 running + 1 in flight
        assertThat(v(SchedulingMetric.FREENESS, 1, 200, 0, 0)).isCloseTo((10_000 - 4000 - 160 - 200) / 4.0,
                within(1e-9));
    }

    @Test
    void freeness_highPriorityLoad_reservesHeadroom() {
        TestingCluster.Status s = instance("a");
        s.used = 1000;
        s.highPriorityUsed = 500;
        assertThat(SchedulingMetric.FREENESS.compute(snapshot(s).load(0), 0, 0, 0, 0, P)).isEqualTo(10_000 - 1000 - 100);
    }

    @Test
    void freeness_unschedulable_isMinusInfinity() {
        TestingCluster.Status s = instance("a");
        s.schedulable = false;
        assertThat(SchedulingMetric.FREENESS.compute(snapshot(s).load(0), 0, 0, 0, 0, P))
                .isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void parse_unknownName_listsValidNames() {
        assertThat(SchedulingMetric.parse("kv_cache_usage_ratio_projected"))
                .isEqualTo(SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED);
        assertThatThrownBy(() -> SchedulingMetric.parse("load"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'load'")
                .hasMessageContaining("num_requests")
                .hasMessageContaining("freeness");
    }

    @Test
    void cost_nan_isWorst() {
        assertThat(SchedulingMetric.NUM_REQUESTS.cost(Double.NaN)).isEqualTo(Double.POSITIVE_INFINITY);
    }
}
