package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code llumnix bench engine --json} prints the table and writes the summary keys, here on a tiny synthetic model. */
@Timeout(120)
class TestBenchEngineCommand {

    @Test
    void benchEngine_printsTheTable_andWritesTheSummaryJson(@TempDir Path dir) {
        Path json = dir.resolve("bench.json");
        TestGenerateCommand.Run run = TestGenerateCommand.main("bench", "engine", "--json", json.toString(), "--model",
                "synthetic:dim=64,layers=1,heads=2,hidden=128,vocab=512,seq=256,seed=1", "--warmup", "0", "--repetitions", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(new String(run.out(), StandardCharsets.UTF_8)).contains("decode_batch32", "batch32_over_batch1");
        assertThat(Files.exists(json)).isTrue();
        JsonNode summary = JsonMapper.builder().build().readTree(json.toFile());
        assertThat(summary.get("batch32_over_batch1").isNumber()).isTrue();
        assertThat(summary.get("vector_over_scalar").isNumber()).isTrue();
        assertThat(summary.get("measurements").isArray()).isTrue();
    }
}
