package io.llumnix.sim.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyProfileTest {

    @TempDir
    Path tmp;

    private final LatencyProfile p = LatencyProfile.llama7bA10();

    @Test
    void paper_profile_has_the_papers_numbers() {
        assertThat(p.name()).isEqualTo("llama-7b-a10");
        assertThat(p.prefillMsPerToken()).isEqualTo(0.245);
        assertThat(p.decodeBaseMs()).isEqualTo(38.0);
        assertThat(p.decodeMsPerSequence()).isEqualTo(0.1);
        assertThat(p.decodeMsPerContextToken()).isEqualTo(0.001);
        assertThat(p.blockTokens()).isEqualTo(16);
        assertThat(p.blockBytes()).isEqualTo(8L << 20);
        assertThat(p.blocksPerInstance()).isEqualTo(790);
        assertThat(p.maxBatchedTokens()).isEqualTo(12_000);
        assertThat(p.migrationBandwidthBytesPerSecond()).isEqualTo(2.2e9);
        assertThat(p.kvCapacityTokens()).isEqualTo(12_640);
    }

    @Test
    void step_costs_follow_the_documented_formulas() {
        assertThat(p.prefillNanos(0)).isZero();
        assertThat(p.prefillNanos(10)).isEqualTo(38_000_000L); // floor
        assertThat(p.prefillNanos(1000)).isEqualTo(245_000_000L);
        assertThat(p.decodeNanos(10, 20_000)).isEqualTo(Math.round((38.0 + 1.0 + 20.0) * 1e6));
        assertThat(p.stepNanos(1000, 10, 20_000)).isEqualTo(Math.round((245.0 + 1.0 + 20.0) * 1e6));
        assertThat(p.stepNanos(0, 10, 20_000)).isEqualTo(p.decodeNanos(10, 20_000));
        // 100 blocks of 8 MiB at 2.2 GB/s
        assertThat(p.migrationNanos(100)).isEqualTo(Math.round(100 * 8388608.0 / 2.2e9 * 1e9));
    }

    @Test
    void engine_config_uses_the_profile_geometry() {
        EngineConfig c = p.engineConfig(true, 7);
        assertThat(c.blockSize()).isEqualTo(16);
        assertThat(c.numKvBlocks()).isEqualTo(790);
        assertThat(c.maxNumBatchedTokens()).isEqualTo(12_000);
        assertThat(c.maxModelLen()).isEqualTo(12_640);
    }

    @Test
    void json_round_trips_and_bad_files_name_file_and_key() throws Exception {
        assertThat(LatencyProfile.parse(p.toJson(), "test")).isEqualTo(p);

        Path unknown = Files.writeString(tmp.resolve("u.json"), p.toJson().replace("\"max_seq_len\"", "\"max_sequence_len\""));
        assertThatThrownBy(() -> LatencyProfile.load(unknown)).hasMessageStartingWith(unknown + ": unknown keys [max_sequence_len]");

        Path wrongType = Files.writeString(tmp.resolve("w.json"), p.toJson().replace("\"block_tokens\" : 16", "\"block_tokens\" : \"16\""));
        assertThatThrownBy(() -> LatencyProfile.load(wrongType)).hasMessageStartingWith(wrongType + ": key 'block_tokens' must be an integer");

        Path negative = Files.writeString(tmp.resolve("n.json"), p.toJson().replace("\"decode_base_ms\" : 38.0", "\"decode_base_ms\" : -1"));
        assertThatThrownBy(() -> LatencyProfile.load(negative)).hasMessageStartingWith(negative + ": decode_base_ms must be a non-negative");

        Path broken = Files.writeString(tmp.resolve("b.json"), "{\"name\": ");
        assertThatThrownBy(() -> LatencyProfile.load(broken)).hasMessageStartingWith(broken + ": malformed JSON");

        assertThatThrownBy(() -> LatencyProfile.load(tmp.resolve("none.json"))).hasMessageContaining("not found");
    }
}
