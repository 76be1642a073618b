package io.llumnix.sim.workload.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZipfLengthsTest {

    @ParameterizedTest
    @CsvSource({"128, 2.0", "256, 1.5", "512, 1.15"})
    void paper_lengths_have_the_target_mean_and_cap(int mean, double alpha) {
        ZipfLengths z = ZipfLengths.paper(mean);
        assertThat(z.alpha()).isEqualTo(alpha);
        assertThat(z.cap()).isEqualTo(6144);
        assertThat(z.mean()).isCloseTo(mean, Offset.offset(mean * 0.02));

        SplittableRandom rng = new SplittableRandom(11);
        int n = 200_000;
        long sum = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            int len = z.sample(rng);
            all[i] = len;
            sum += len;
            min = Math.min(min, len);
            max = Math.max(max, len);
        }
        java.util.Arrays.sort(all);
        assertThat((double) sum / n).isCloseTo(mean, Offset.offset(mean * 0.05));
        assertThat(min).isGreaterThanOrEqualTo(1);
        assertThat(max).isLessThanOrEqualTo(6144);
        // power law: heavily right-skewed, the median far below the mean
        assertThat(all[n / 2]).isLessThan(mean / 2);
    }

    @ParameterizedTest
    @CsvSource({"128", "512"})
    void sampling_is_deterministic_under_a_seed(int mean) {
        ZipfLengths z = ZipfLengths.paper(mean);
        SplittableRandom a = new SplittableRandom(3);
        SplittableRandom b = new SplittableRandom(3);
        for (int i = 0; i < 1_000; i++) {
            assertThat(z.sample(a)).isEqualTo(z.sample(b));
        }
    }
}
