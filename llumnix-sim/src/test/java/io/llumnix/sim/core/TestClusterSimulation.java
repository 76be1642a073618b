package io.llumnix.sim.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.sim.latency.LatencyProfile;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.report.RunSummary;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import io.llumnix.sim.workload.generator.GammaArrivals;
import io.llumnix.sim.workload.generator.PoissonArrivals;
import io.llumnix.sim.workload.generator.WorkloadGenerator;
import io.llumnix.sim.workload.generator.ZipfLengths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestClusterSimulation {

    private static final LatencyProfile PROFILE = LatencyProfile.llama7bA10();

    private static Workload zipf(int n, double rate, int mean, long seed) {
        return WorkloadGenerator.builder()
                .arrivals(new PoissonArrivals(rate))
                .lengths(ZipfLengths.paper(mean), ZipfLengths.paper(mean))
                .maxTotalTokens(PROFILE.maxSeqLen())
                .build()
                .generate("zipf-" + mean, n, seed);
    }

    private static SimulationConfig config(String policy, int instances) {
        return SimulationConfig.builder(PROFILE).instances(instances).policy(policy).seed(7).build();
    }

    @Test
    void sameSeed_identicalRecordsAndSummary() {
        Workload w = zipf(400, 6, 256, 3);
        SimulationResult a = ClusterSimulation.run(config("llumnix", 4), w);
        SimulationResult b = ClusterSimulation.run(config("llumnix", 4), w);
        assertThat(a.records()).isEqualTo(b.records());
        assertThat(a.migrations()).isEqualTo(b.migrations());
        assertThat(a.summary()).isEqualTo(b.summary());
        assertThat(a.simulatedNanos()).isEqualTo(b.simulatedNanos());
    }

    @ParameterizedTest
    @ValueSource(strings = {"round-robin", "load-balance", "infaas++", "llumnix"})
    void everyPolicy_everyRequestFinishesOnce_withItsOutputLength(String policy) {
        Workload w = zipf(300, 8, 256, 5);
        SimulationResult r = ClusterSimulation.run(config(policy, 3), w);
        assertThat(r.records()).hasSize(w.size());
        for (int i = 0; i < w.size(); i++) {
            TraceRequest t = w.requests().get(i);
            RequestRecord rec = r.records().get(i);
            assertThat(rec.requestId()).isEqualTo(t.id());
            assertThat(rec.outputTokens()).isEqualTo(t.outputTokens());
            assertThat(rec.promptTokens()).isEqualTo(t.promptTokens());
            assertThat(rec.arrivalNanos()).isEqualTo(t.arrivalNanos());
            assertThat(rec.firstTokenNanos()).isGreaterThan(rec.arrivalNanos());
        }
        RunSummary s = r.summary();
        assertThat(s.requests()).isEqualTo(w.size());
        assertThat(r.steps()).isPositive();
        if (!policy.equals("llumnix")) {
            assertThat(r.migrations()).isEmpty();
        }
    }

    @Test
    void overloadedRoundRobin_preempts_andChargesPreemptionLoss() {
        SimulationResult r = ClusterSimulation.run(config("round-robin", 2), zipf(400, 6, 512, 11));
        assertThat(r.preemptions()).isPositive();
        assertThat(r.summary().preemptedRequests()).isPositive();
        assertThat(r.summary().meanPreemptionLossMs()).isPositive();
        long charged = r.records().stream().mapToInt(RequestRecord::preemptions).sum();
        assertThat(charged).isEqualTo(r.preemptions());
    }

    @Test
    void liveMigration_keepsDecodingDuringStages_pausesOnlyInLastStage_andLosesNoToken() {
        Map<String, List<Long>> tokens = new HashMap<>();
        Workload w = zipf(600, 14, 256, 2);
        SimulationResult r = ClusterSimulation.run(config("llumnix", 4), w,
                (id, t) -> tokens.computeIfAbsent(id, k -> new ArrayList<>()).add(t));
        List<MigrationRecord> committed = r.migrations().stream().filter(MigrationRecord::committed).toList();
        assertThat(committed).isNotEmpty();
        int decodedDuringStages = 0;
        for (MigrationRecord m : committed) {
            List<Long> times = tokens.get(m.requestId());
            assertThat(m.detachNanos()).isBetween(m.startNanos(), m.endNanos());
            assertThat(times).noneMatch(t -> t > m.detachNanos() && t <= m.endNanos());
            if (times.stream().anyMatch(t -> t > m.startNanos() && t <= m.detachNanos())) {
                decodedDuringStages++;
            }
        }
        // Downtime is the last stage's copy plus waiting for the destination's step boundaries (reserve, install):
        // typically one decode step or two, far below the whole KV copy.
        long[] downtimes = committed.stream().mapToLong(MigrationRecord::downtimeNanos).sorted().toArray();
        assertThat(downtimes[downtimes.length / 2]).isLessThan(150_000_000L);
        assertThat(decodedDuringStages).as("migrations whose request decoded while its KV was copied").isPositive();
        for (int i = 0; i < w.size(); i++) {
            assertThat(tokens.get("r" + w.requests().get(i).id())).hasSize(w.requests().get(i).outputTokens());
            assertThat(r.records().get(i).outputTokens()).isEqualTo(w.requests().get(i).outputTokens());
        }
        assertThat(r.records().stream().mapToInt(RequestRecord::migrations).sum()).isEqualTo(committed.size());
    }

    @Test
    void autoScaling_growsUnderBurst_andShrinksWhenQuiet() {
        Workload burst = WorkloadGenerator.builder()
                .arrivals(new GammaArrivals(8, 2))
                .lengths(ZipfLengths.paper(256), ZipfLengths.paper(256))
                .maxTotalTokens(PROFILE.maxSeqLen())
                .build()
                .generate("burst", 800, 4);
        for (String policy : List.of("llumnix", "infaas++")) {
            AutoScalingConfig scaling = new AutoScalingConfig(1, 8, 10, 60, Duration.ofSeconds(1), Duration.ofSeconds(2),
                    Duration.ofSeconds(2));
            SimulationResult r = ClusterSimulation.run(SimulationConfig.builder(PROFILE).instances(1).policy(policy)
                    .autoScaling(scaling).seed(1).build(), burst);
            int peak = r.timeline().points().stream().mapToInt(p -> p.instances()).max().orElseThrow();
            int last = r.timeline().points().getLast().instances();
            assertThat(peak).as(policy + " peak instances").isGreaterThan(1);
            assertThat(last).as(policy + " instances at the end").isLessThan(peak);
            assertThat(r.records()).hasSize(burst.size());
            assertThat(r.instanceSeconds()).isLessThan(8 * r.simulatedNanos() / 1e9);
        }
    }
}
