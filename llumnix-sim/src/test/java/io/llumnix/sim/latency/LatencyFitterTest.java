package io.llumnix.sim.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyFitterTest {

    @TempDir
    Path tmp;

    @Test
    void decode_fit_recovers_exact_coefficients_without_noise() {
        List<DecodeSample> samples = new ArrayList<>();
        for (int b = 1; b <= 64; b *= 2) {
            for (long ctx = 100; ctx <= 200_000; ctx *= 3) {
                samples.add(new DecodeSample(b, ctx * b, 38.0 + 0.1 * b + 0.001 * ctx * b));
            }
        }
        LatencyFitter.DecodeFit fit = LatencyFitter.fitDecode(samples);
        assertThat(fit.baseMs()).isCloseTo(38.0, Offset.offset(1e-6));
        assertThat(fit.msPerSequence()).isCloseTo(0.1, Offset.offset(1e-8));
        assertThat(fit.msPerContextToken()).isCloseTo(0.001, Offset.offset(1e-10));
        assertThat(fit.rmseMs()).isLessThan(1e-6);
        assertThat(fit.rSquared()).isCloseTo(1.0, Offset.offset(1e-12));
    }

    @Test
    void decode_fit_recovers_coefficients_under_seeded_noise() {
        SplittableRandom rng = new SplittableRandom(17);
        List<DecodeSample> samples = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            int b = 1 + rng.nextInt(128);
            long ctx = (long) b * (16 + rng.nextInt(4_000));
            double ms = 35.0 + 0.12 * b + 0.0009 * ctx + rng.nextGaussian() * 1.0;
            samples.add(new DecodeSample(b, ctx, ms));
        }
        LatencyFitter.DecodeFit fit = LatencyFitter.fitDecode(samples);
        assertThat(fit.baseMs()).isCloseTo(35.0, Offset.offset(0.2));
        assertThat(fit.msPerSequence()).isCloseTo(0.12, Offset.offset(0.01));
        assertThat(fit.msPerContextToken()).isCloseTo(0.0009, Offset.offset(0.00002));
        assertThat(fit.rmseMs()).isCloseTo(1.0, Offset.offset(0.1));
        assertThat(fit.rSquared()).isGreaterThan(0.99);
    }

    @Test
    void prefill_fit_finds_slope_and_floor() {
        SplittableRandom rng = new SplittableRandom(3);
        List<PrefillSample> samples = new ArrayList<>();
        for (int t = 8; t <= 8_192; t += 8) {
            double ms = Math.max(40.0, 0.245 * t) + rng.nextGaussian() * 0.5;
            samples.add(new PrefillSample(t, Math.max(0, ms)));
        }
        LatencyFitter.PrefillFit fit = LatencyFitter.fitPrefill(samples);
        assertThat(fit.msPerToken()).isCloseTo(0.245, Offset.offset(0.001));
        assertThat(fit.floorMs()).isCloseTo(40.0, Offset.offset(0.2));
        assertThat(fit.rmseMs()).isCloseTo(0.5, Offset.offset(0.1));
    }

    @Test
    void prefill_fit_without_a_floor_region_is_a_line_through_the_origin() {
        List<PrefillSample> samples = List.of(new PrefillSample(1000, 250), new PrefillSample(2000, 500), new PrefillSample(4000, 1000));
        LatencyFitter.PrefillFit fit = LatencyFitter.fitPrefill(samples);
        assertThat(fit.msPerToken()).isCloseTo(0.25, Offset.offset(1e-12));
        assertThat(fit.floorMs()).isZero();
    }

    @Test
    void degenerate_samples_are_rejected_with_a_reason() {
        List<DecodeSample> collinear = List.of(new DecodeSample(1, 100, 40), new DecodeSample(2, 200, 41), new DecodeSample(4, 400, 43));
        assertThatThrownBy(() -> LatencyFitter.fitDecode(collinear)).hasMessageContaining("independently");
        assertThatThrownBy(() -> LatencyFitter.fitDecode(collinear.subList(0, 2))).hasMessageContaining("at least 3");
        assertThatThrownBy(() -> LatencyFitter.fitPrefill(List.of())).hasMessageContaining("no prefill samples");
        assertThatThrownBy(() -> new DecodeSample(1, 10, Double.NaN)).hasMessageContaining("NaN");
    }

    @Test
    void fitted_profile_keeps_the_template_geometry_and_round_trips_through_a_file() {
        List<PrefillSample> prefill = new ArrayList<>();
        for (int t = 2; t <= 2048; t *= 2) { // 2..8 tokens sit on the floor
            prefill.add(new PrefillSample(t, Math.max(5.0, 0.5 * t)));
        }
        List<DecodeSample> decode = new ArrayList<>();
        for (int b = 1; b <= 16; b++) {
            decode.add(new DecodeSample(b, 300L * b * b, 5.0 + 0.3 * b + 0.002 * 300L * b * b));
        }
        LatencyProfile template = LatencyProfile.llama7bA10();
        LatencyProfile fitted = LatencyFitter.fit(prefill, decode).toProfile(template, "cpu-engine", "fitted in a test");

        assertThat(fitted.prefillMsPerToken()).isCloseTo(0.5, Offset.offset(1e-9));
        assertThat(fitted.prefillFloorMs()).isCloseTo(5.0, Offset.offset(1e-9));
        assertThat(fitted.decodeBaseMs()).isCloseTo(5.0, Offset.offset(1e-6));
        assertThat(fitted.blocksPerInstance()).isEqualTo(template.blocksPerInstance());

        Path file = tmp.resolve("profiles/cpu.json");
        fitted.write(file);
        assertThat(LatencyProfile.load(file)).isEqualTo(fitted);
    }
}
