package io.llumnix.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.sim.workload.Priority;
import java.util.List;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void percentiles_are_exact_nearest_rank() {
        double[] values = IntStream.rangeClosed(1, 1000).mapToDouble(i -> 1001 - i).toArray(); // 1000..1, unsorted
        LatencyStats s = LatencyStats.of(values);
        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.mean()).isEqualTo(500.5);
        assertThat(s.p50()).isEqualTo(500);
        assertThat(s.p99()).isEqualTo(990);
        assertThat(s.max()).isEqualTo(1000);
        assertThat(values[0]).isEqualTo(1000); // input untouched
        assertThat(LatencyStats.of(new double[] {7}).p99()).isEqualTo(7);
        assertThat(LatencyStats.of(new double[0])).isEqualTo(LatencyStats.EMPTY);
    }

    @Test
    void request_record_derives_the_papers_latencies() {
        // arrives at 1 s, first token at 1.5 s, 11 tokens by 2.5 s, one preemption that cost 200 ms
        RequestRecord r = new RequestRecord(7, Priority.HIGH, 100, 11, 1_000_000_000L, 1_500_000_000L, 2_500_000_000L, 1, 200_000_000L, 2);
        assertThat(r.ttftMs()).isEqualTo(500.0);
        assertThat(r.meanTpotMs()).isEqualTo(100.0);
        assertThat(r.e2eMs()).isEqualTo(1500.0);
        assertThat(r.preemptionLossMs()).isEqualTo(200.0);
        assertThat(new RequestRecord(8, Priority.NORMAL, 1, 1, 0, 5, 5, 0, 0, 0).meanTpotMs()).isZero();
    }

    @Test
    void run_summary_aggregates_and_filters_by_priority() {
        List<RequestRecord> records = List.of(
                new RequestRecord(0, Priority.NORMAL, 10, 2, 0, 100_000_000L, 200_000_000L, 0, 0, 0),
                new RequestRecord(1, Priority.HIGH, 10, 2, 0, 300_000_000L, 500_000_000L, 2, 50_000_000L, 1),
                new RequestRecord(2, Priority.NORMAL, 10, 2, 0, 200_000_000L, 300_000_000L, 0, 0, 3));
        RunSummary all = RunSummary.of("llumnix", records);
        assertThat(all.requests()).isEqualTo(3);
        assertThat(all.ttft().mean()).isCloseTo(200.0, Offset.offset(1e-9));
        assertThat(all.ttft().p99()).isEqualTo(300.0);
        assertThat(all.meanPreemptionLossMs()).isCloseTo(50.0 / 3, Offset.offset(1e-9));
        assertThat(all.preemptedRequests()).isEqualTo(1);
        assertThat(all.migrations()).isEqualTo(4);

        RunSummary high = RunSummary.of("llumnix", records, Priority.HIGH);
        assertThat(high.label()).isEqualTo("llumnix [high]");
        assertThat(high.requests()).isEqualTo(1);
        assertThat(high.e2e().p50()).isEqualTo(500.0);
    }

    @Test
    void instance_timeline_integrates_instance_seconds() {
        InstanceTimeline t = new InstanceTimeline();
        t.record(0, 4);
        t.record(10_000_000_000L, 6);
        t.record(10_000_000_000L, 8); // same instant: the later count wins
        t.record(15_000_000_000L, 8); // no change
        t.record(20_000_000_000L, 2);
        assertThat(t.points()).hasSize(3);
        // 4×10 s + 8×10 s + 2×5 s
        assertThat(t.instanceSeconds(25_000_000_000L)).isCloseTo(130.0, Offset.offset(1e-9));
    }
}
