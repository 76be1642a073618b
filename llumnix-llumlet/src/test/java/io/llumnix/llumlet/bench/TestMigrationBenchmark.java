package io.llumnix.llumlet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The migration benchmark end to end on a tiny model, with the destination in a real child JVM. */
class TestMigrationBenchmark {

    private static final String TINY = "synthetic:dim=64,layers=2,heads=2,kvheads=2,hidden=172,vocab=512,seq=1024,seed=3";

    @Test
    void tinyRun_writesTheHeadlineKeys_andEveryMigratedOutputIsIdentical(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("migration.json");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MigrationBenchOptions options = MigrationBenchOptions.defaults()
                .withModel(TINY)
                .withLengths(List.of(64, 128))
                .withRepetitions(1, 1)
                .withOthers(2)
                .withTokens(16, 400)
                .withMinSourceStepTime(Duration.ofMillis(1))
                .withJson(json);

        MigrationBenchResult result = MigrationBenchmark.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));

        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(result.allIdentical()).as(printed).isTrue();
        assertThat(result.migrations()).isEqualTo(6);
        assertThat(printed).contains("token identity", "6/6 identical");
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(json));
        assertThat(root.get("identical").asBoolean()).isTrue();
        assertThat(root.get("downtime_ms").propertyNames()).containsExactly("64", "128");
        for (String key : List.of("downtime_ratio_max_over_min", "recompute_over_downtime_at_max", "blocking_copy_over_downtime_at_max",
                "others_slowdown")) {
            assertThat(root.get(key).isNumber()).as(key).isTrue();
        }
        assertThat(root.get("downtime_ms").get("128").asDouble()).isPositive();
        assertThat(root.get("kv_bytes").get("128").asDouble()).isPositive();
    }
}
