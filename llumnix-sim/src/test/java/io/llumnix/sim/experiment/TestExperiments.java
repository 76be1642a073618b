package io.llumnix.sim.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TestExperiments {

    @TempDir
    Path dir;

    private ExperimentOptions quick() {
        return ExperimentOptions.defaults().withReportDir(dir).withQuick(true).withProgress(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"serving", "priorities", "autoscaling", "scale", "azure"})
    void quickRun_writesReportFolder_andPrintsTable(String name) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ExperimentResult r = Experiments.run(name, quick(), new PrintStream(buf, true, StandardCharsets.UTF_8));
        Path folder = dir.resolve(name);
        assertThat(r.reportDir()).isEqualTo(folder);
        assertThat(folder.resolve("index.html")).isRegularFile();
        assertThat(folder.resolve("results.csv")).isRegularFile();
        assertThat(folder.resolve("summary.json")).isRegularFile();
        try (var files = Files.list(folder)) {
            assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isPositive();
        }
        JsonNode json = JsonMapper.shared().readTree(Files.readString(folder.resolve("summary.json")));
        assertThat(json.get("experiment").stringValue()).isEqualTo(name);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("requests").contains("report: ");
    }

    @Test
    void validation_quick_runsRealEnginesAndTheSimulator_andReportsTheErrorPerMetric() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ExperimentResult r = Experiments.run("validation", quick().withRequests(12).withRate(6),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        assertThat(r.summary()).containsKeys("validation_error", "real_ms", "simulated_ms", "validation_error_executor_profile_only", "profile");
        Map<?, ?> error = (Map<?, ?>) r.summary().get("validation_error");
        assertThat(error.keySet()).extracting(Object::toString).containsExactly("ttft_mean", "ttft_p99", "e2e_mean", "e2e_p99");
        for (Object v : error.values()) {
            // a fraction, finite; loose bound: a tiny run on a shared machine is noisy, but not off by an order of magnitude
            assertThat(((Number) v).doubleValue()).isFinite().isBetween(-0.9, 9.0);
        }
        assertThat(dir.resolve("validation").resolve("summary.json")).isRegularFile();
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("validation error").contains("ttft_mean");
    }

    @Test
    void serving_reportsTheHeadlineRatiosPerTrace() {
        ExperimentResult r = Experiments.run("serving", quick(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(r.summary()).containsKeys("p99_prefill_infaas_over_llumnix", "preemption_loss_reduction_vs_rr");
        assertThat(((Map<?, ?>) r.summary().get("p99_prefill_infaas_over_llumnix")).keySet()).extracting(Object::toString).containsExactly("zipf-256-256");
    }

    @Test
    void traceMode_replaysAFileUnderTheGivenPolicies() {
        Path conv = io.llumnix.sim.workload.parser.SharedTraces.resolve(io.llumnix.sim.workload.parser.SharedTraces.AZURE_CONV);
        ExperimentResult r = Experiments.runTrace(quick().withTrace(conv).withRequests(80).withInstances(3)
                .withPolicies(List.of("infaas++", "llumnix")), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(dir.resolve("trace").resolve("index.html")).isRegularFile();
        assertThat((Map<?, ?>) r.summary().get("p99_ttft_ms")).hasSize(1);
    }

    @Test
    void unknownExperiment_isRejectedWithTheValidNames() {
        assertThatThrownBy(() -> Experiments.run("nope", quick(), System.out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serving, priorities, autoscaling, scale, azure");
    }
}
