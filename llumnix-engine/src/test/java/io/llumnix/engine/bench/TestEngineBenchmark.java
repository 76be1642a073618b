package io.llumnix.engine.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.model.TestingModelFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestEngineBenchmark {

    @Test
    void run_tinyModels_reportsEveryFigureAndTheSummaryKeys() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        BenchOptions options = BenchOptions.defaults()
                .withStories(TestingModelFiles.storiesCheckpoint(), TestingModelFiles.storiesTokenizer())
                .withSyntheticSpec("synthetic:dim=64,layers=2,heads=4,kvheads=2,hidden=128,vocab=300,seq=128,seed=1")
                .withRepetitions(0, 1)
                .withShape(16, 8, 2, List.of(1, 8, 32))
                .withOut(new PrintStream(buffer, true, UTF_8));

        BenchResult result = EngineBenchmark.run(options);

        Map<String, Object> map = result.toMap();
        assertThat(map).containsKeys("batch32_over_batch1", "vector_over_scalar", "prefill_tokens_per_s", "decode_tokens_per_s",
                "matmul_T1_vector_over_scalar", "wall_ms", "measurements");
        assertThat((Double) map.get("batch32_over_batch1")).isPositive();
        assertThat(result.measurements()).extracting(BenchResult.Measurement::metric)
                .contains("prefill", "decode_batch1", "decode_batch8", "decode_batch32", "matmul_T1", "matmul_T32");
        assertThat(result.measurements()).extracting(BenchResult.Measurement::model).contains("stories260K", "synthetic-0.1M");
        assertThat(result.measurements()).allSatisfy(m -> assertThat(m.value()).isPositive());
        String printed = buffer.toString(UTF_8);
        assertThat(printed).contains("batch32_over_batch1").contains("decode_batch32").contains(result.table());
    }

    @Test
    void options_badValues_rejectWithTheOffendingValue() {
        assertThatThrownBy(() -> BenchOptions.defaults().withRepetitions(1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repetitions");
        assertThatThrownBy(() -> BenchOptions.defaults().withShape(16, 8, 2, List.of(0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSizes");
    }
}
