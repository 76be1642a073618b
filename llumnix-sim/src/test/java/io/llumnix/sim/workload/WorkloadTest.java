package io.llumnix.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    private static final long SECOND = 1_000_000_000L;

    private final Workload w = new Workload("t", List.of(
            TraceRequest.of(0, 0, 10, 5),
            TraceRequest.of(1, SECOND, 20, 6),
            TraceRequest.of(2, 3 * SECOND, 30, 7),
            TraceRequest.of(3, 4 * SECOND, 40, 8)));

    @Test
    void scaleRate_compresses_and_stretches_timestamps() {
        Workload fast = w.scaleRate(2.0);
        assertThat(fast.requests()).extracting(TraceRequest::arrivalNanos).containsExactly(0L, SECOND / 2, 3 * SECOND / 2, 2 * SECOND);
        assertThat(fast.meanRatePerSecond()).isEqualTo(2 * w.meanRatePerSecond());
        assertThat(w.scaleRate(0.5).span().toSeconds()).isEqualTo(8);
        assertThat(fast.requests()).extracting(TraceRequest::promptTokens).containsExactly(10, 20, 30, 40);
        assertThat(w.withMeanRate(3.0).meanRatePerSecond()).isCloseTo(3.0, Offset.offset(1e-9));
        assertThatThrownBy(() -> w.scaleRate(0)).hasMessageContaining("positive");
    }

    @Test
    void first_takes_a_prefix() {
        assertThat(w.first(2).requests()).extracting(TraceRequest::id).containsExactly(0L, 1L);
        assertThat(w.first(10)).isSameAs(w);
        assertThat(w.first(0).isEmpty()).isTrue();
    }

    @Test
    void priorities_are_seeded_and_near_the_fraction() {
        Workload many = new Workload("m", java.util.stream.LongStream.range(0, 20_000).mapToObj(i -> TraceRequest.of(i, i, 1, 1)).toList());
        Workload a = many.withHighPriorityFraction(0.1, 7);
        Workload b = many.withHighPriorityFraction(0.1, 7);
        assertThat(a).isEqualTo(b);
        long high = a.requests().stream().filter(r -> r.priority() == Priority.HIGH).count();
        assertThat(high / 20_000.0).isCloseTo(0.1, Offset.offset(0.01));
        assertThat(many.withHighPriorityFraction(0.1, 8)).isNotEqualTo(a);
    }

    @Test
    void capTotalTokens_fits_prompt_output_and_prefix_into_the_window() {
        TraceRequest big = new TraceRequest(0, 0, 2000, 300, Priority.HIGH, new PrefixBlocks(512, List.of(1L, 2L, 3L, 4L)));
        TraceRequest capped = new Workload("c", List.of(big)).capTotalTokens(1024).requests().getFirst();
        assertThat(capped.promptTokens()).isEqualTo(1023);
        assertThat(capped.outputTokens()).isEqualTo(1);
        assertThat(capped.prefix().hashes()).containsExactly(1L, 2L);
        assertThat(capped.priority()).isEqualTo(Priority.HIGH);
    }

    @Test
    void out_of_order_arrivals_are_rejected_unless_sorted() {
        List<TraceRequest> reversed = List.of(TraceRequest.of(0, 5, 1, 1), TraceRequest.of(1, 2, 1, 1));
        assertThatThrownBy(() -> new Workload("x", reversed)).hasMessageContaining("not in arrival order at index 1");
        assertThat(Workload.sortedByArrival("x", reversed).requests()).extracting(TraceRequest::id).containsExactly(1L, 0L);
    }
}
