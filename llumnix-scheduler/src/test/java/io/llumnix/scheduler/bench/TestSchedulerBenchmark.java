package io.llumnix.scheduler.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestSchedulerBenchmark {

    @Test
    void run_smallSizes_reportsSummaryKeysAndTable() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SchedulerBenchmark.Result r = SchedulerBenchmark.run(new int[] {4, 32}, 500, Duration.ofMillis(50), 1,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        Map<String, Object> summary = r.summary();
        assertThat(summary).containsKeys("p99_decision_us", "loopback_rtt_p50_us", "p99_over_rtt_at_max");
        assertThat(String.valueOf(((Map<?, ?>) summary.get("p99_decision_us")).keySet())).isEqualTo("[4, 32]");
        assertThat(r.loopbackRttP50Us()).isPositive();
        assertThat(r.sizes()).allSatisfy(s -> assertThat(s.throughputPerSecond()).isPositive());
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("loopback HTTP round trip p50");
    }
}
