package io.llumnix.sim.workload.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.RequestLength;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkloadGeneratorTest {

    @Test
    void same_seed_same_workload_different_seed_different_workload() {
        WorkloadGenerator g = WorkloadGenerator.builder()
                .arrivals(new GammaArrivals(4.0, 3.0))
                .lengths(ZipfLengths.paper(256), ZipfLengths.paper(128))
                .highPriorityFraction(0.1)
                .build();

        assertThat(g.generate("z", 2_000, 42)).isEqualTo(g.generate("z", 2_000, 42));
        assertThat(g.generate("z", 2_000, 43)).isNotEqualTo(g.generate("z", 2_000, 42));
        // a longer run extends a shorter one: draws are independent of n
        assertThat(g.generate("z", 3_000, 42).first(2_000)).isEqualTo(g.generate("z", 2_000, 42));
    }

    @Test
    void changing_the_rate_keeps_lengths_and_priorities() {
        var lengths = ZipfLengths.paper(512);
        Workload slow = WorkloadGenerator.builder().arrivals(new PoissonArrivals(1)).lengths(lengths, lengths).highPriorityFraction(0.2).build().generate("a", 500, 9);
        Workload fast = WorkloadGenerator.builder().arrivals(new PoissonArrivals(8)).lengths(lengths, lengths).highPriorityFraction(0.2).build().generate("a", 500, 9);
        assertThat(fast.requests()).extracting(TraceRequest::length).isEqualTo(slow.requests().stream().map(TraceRequest::length).toList());
        assertThat(fast.requests()).extracting(TraceRequest::priority).isEqualTo(slow.requests().stream().map(TraceRequest::priority).toList());
    }

    @ParameterizedTest
    @CsvSource({"2.0, 1.0", "5.0, 2.0", "4.0, 4.0", "1.0, 8.0"})
    void arrivals_have_the_requested_rate_and_cv(double rate, double cv) {
        Workload w = WorkloadGenerator.builder()
                .arrivals(ArrivalProcess.of(rate, cv))
                .lengths(new FixedLength(1), new FixedLength(1))
                .build()
                .generate("g", 200_000, 1234);

        assertThat(w.requests().getFirst().arrivalNanos()).isZero();
        assertThat(w.meanRatePerSecond()).isCloseTo(rate, Offset.offset(rate * 0.05));
        assertThat(w.interArrivalCv()).isCloseTo(cv, Offset.offset(cv * 0.07));
    }

    @Test
    void constant_arrivals_are_evenly_spaced() {
        long[] t = new ConstantArrivals(4).arrivalNanos(5, new SplittableRandom(1));
        assertThat(t).containsExactly(0, 250_000_000, 500_000_000, 750_000_000, 1_000_000_000);
        assertThat(ArrivalProcess.of(3, 1)).isEqualTo(new PoissonArrivals(3));
    }

    @Test
    void gamma_sampler_matches_mean_and_variance_for_small_and_large_shapes() {
        SplittableRandom rng = new SplittableRandom(5);
        for (double shape : new double[] {0.05, 0.5, 1, 3.5}) {
            int n = 200_000;
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < n; i++) {
                double x = GammaArrivals.sampleGamma(shape, rng);
                assertThat(x).isGreaterThanOrEqualTo(0);
                sum += x;
                sumSq += x * x;
            }
            double mean = sum / n;
            double var = sumSq / n - mean * mean;
            assertThat(mean).as("mean for shape %s", shape).isCloseTo(shape, Offset.offset(shape * 0.05));
            assertThat(var).as("variance for shape %s", shape).isCloseTo(shape, Offset.offset(shape * 0.1));
        }
    }

    @Test
    void pooled_lengths_come_from_the_pool_and_respect_the_window() {
        List<RequestLength> pool = List.of(new RequestLength(100, 50), new RequestLength(8000, 1000));
        Workload w = WorkloadGenerator.builder()
                .arrivals(new PoissonArrivals(1))
                .lengths(pool)
                .maxTotalTokens(8192)
                .build()
                .generate("p", 1_000, 3);

        assertThat(w.requests()).extracting(TraceRequest::length)
                .containsOnly(new RequestLength(100, 50), new RequestLength(8000, 192));
        assertThat(w.requests()).allMatch(r -> r.priority() == Priority.NORMAL);
    }
}
