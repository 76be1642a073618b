package io.llumnix.sim.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.SharedAssets;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineProfilerTest {

    @TempDir
    Path dir;

    private static LoadedModel stories() {
        Path d = SharedAssets.storiesDir();
        return ModelLoader.load(d.resolve("stories260K.bin").toString(), Optional.of(d.resolve("tok512.bin")));
    }

    @Test
    void pacedEngine_fitsAFixedCostNearThePacing_andWritesALoadableProfile() {
        LoadedModel model = stories();
        EngineConfig config = EngineConfig.defaults(model.shape().maxSeqLen());
        // Small prompts and batches: stories260K computes them in well under the 20 ms pacing, so every step costs the pacing.
        EngineProfiler.Settings settings = new EngineProfiler.Settings(java.util.List.of(1, 8, 32, 64), java.util.List.of(1, 2, 4, 8),
                java.util.List.of(0.05, 0.2), 3, 3, 7);

        EngineProfiler.Result r = EngineProfiler.profile(model, config, 20_000_000L, settings, "paced", "test");

        assertThat(r.prefill()).hasSize(4);
        assertThat(r.decode()).hasSize(8);
        LatencyProfile p = r.profile();
        assertThat(p.decodeBaseMs()).isCloseTo(20.0, within(4.0));
        // the per-sequence and per-context costs hide under the pacing: near zero
        assertThat(p.decodeMsPerSequence() * 8).isLessThan(4.0);
        assertThat(p.decodeMsPerContextToken() * 8 * 102).isLessThan(4.0);
        assertThat(p.prefillNanos(8) / 1e6).isCloseTo(20.0, within(4.0));
        assertThat(p.blockTokens()).isEqualTo(config.blockSize());
        assertThat(p.blocksPerInstance()).isEqualTo(config.numKvBlocks());
        assertThat(p.maxSeqLen()).isEqualTo(model.shape().maxSeqLen());

        Path file = dir.resolve("paced.json");
        p.write(file);
        assertThat(LatencyProfile.load(file)).isEqualTo(p);
    }

    @Test
    void unpacedEngine_prefillGrowsWithThePrompt() {
        LoadedModel model = stories();
        EngineConfig config = EngineConfig.defaults(model.shape().maxSeqLen());

        EngineProfiler.Result r = EngineProfiler.profile(model, config, 0, EngineProfiler.Settings.quick(), "raw", "test");

        double shortest = r.prefill().stream().filter(s -> s.tokens() == 1).findFirst().orElseThrow().ms();
        double longest = r.prefill().stream().filter(s -> s.tokens() == 512).findFirst().orElseThrow().ms();
        assertThat(longest).isGreaterThan(shortest);
        assertThat(r.profile().prefillMsPerToken()).isPositive();
    }
}
