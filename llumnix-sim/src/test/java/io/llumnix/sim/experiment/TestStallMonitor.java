package io.llumnix.sim.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class TestStallMonitor {

    @Test
    void stop_withATinyThreshold_reportsEveryLateWakeUpInOrder() throws Exception {
        StallMonitor m = new StallMonitor(1); // any oversleep of the 1 ms sleep counts
        m.start();
        Thread.sleep(100);
        StallMonitor.Report r = m.stop();

        assertThat(r.stalls()).isNotEmpty();
        List<StallMonitor.Stall> s = r.stalls();
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.get(i).nanos()).isPositive();
            if (i > 0) {
                assertThat(s.get(i).atNanos()).isGreaterThan(s.get(i - 1).atNanos());
            }
        }
        assertThat(r.longestNanos()).isEqualTo(s.stream().mapToLong(StallMonitor.Stall::nanos).max().orElseThrow());
        assertThat(r.totalNanos()).isGreaterThanOrEqualTo(r.longestNanos());
        assertThat(r.processCores()).isGreaterThanOrEqualTo(0);
        if (System.getProperty("os.name").startsWith("Linux")) {
            double cores = Runtime.getRuntime().availableProcessors() + 1;
            assertThat(r.othersCores()).hasValueSatisfying(c -> assertThat(c).isBetween(0.0, cores));
            assertThat(r.stealCores()).hasValueSatisfying(c -> assertThat(c).isBetween(0.0, cores));
            assertThat(s.getFirst().stealCores()).isPresent();
        }
    }

    @Test
    void stop_withAThresholdLongerThanTheWatch_reportsNoStall() throws Exception {
        StallMonitor m = new StallMonitor(10_000_000_000L);
        m.start();
        Thread.sleep(50);

        assertThat(m.stop().stalls()).isEmpty();
    }

    @Test
    void describe_namesTheLongestStallsAndTheOtherProcessesLoad() {
        StallMonitor.Report r = new StallMonitor.Report(List.of(
                new StallMonitor.Stall(1_500_000_000L, 12_000_000L, Optional.of(1.5), Optional.of(0.0)),
                new StallMonitor.Stall(9_000_000_000L, 85_000_000L, Optional.of(0.1), Optional.of(0.6))), Optional.of(0.25), Optional.of(0.01), 0.8);

        assertThat(ValidationExperiment.describe(r)).contains("stalled 2 times").contains("longest 85 ms, 97 ms in all")
                .contains("9.0 s: 85 ms, other processes 0.10 cores, steal 0.60; 1.5 s: 12 ms, other processes 1.50 cores, steal 0.00")
                .contains("this process used 0.80 cores, other processes 0.25, hypervisor steal 0.01");
    }

    @Test
    void startTwice_orStopFirst_isAnError() {
        StallMonitor m = new StallMonitor(1_000_000);
        assertThatThrownBy(m::stop).isInstanceOf(IllegalStateException.class);
        m.start();
        assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class);
        m.stop();
    }
}
