package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llumnix.sim.latency.LatencyProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code llumnix profile} on a paced stories260K: prints the fit and writes a profile the simulator loads. */
@Timeout(120)
class TestProfileCommand {

    @Test
    void profile_pacedStories_writesALoadableProfileWithTheFit(@TempDir Path dir) {
        Path out = dir.resolve("stories.json");
        Path json = dir.resolve("fit.json");
        TestGenerateCommand.Run run = TestGenerateCommand.main("profile", "--model", StoriesFixture.checkpoint(), "--tokenizer",
                StoriesFixture.modelDir().resolve("tok512.bin").toString(), "--min-step-ms", "10", "--quick", "--output", out.toString(),
                "--json", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(new String(run.out(), StandardCharsets.UTF_8)).contains("prefill: ms = max(", "decode:  ms = ", "R^2", "profile: ");
        LatencyProfile p = LatencyProfile.load(out);
        assertThat(p.name()).isEqualTo("stories260K-cpu-paced-10ms");
        assertThat(p.decodeBaseMs()).isCloseTo(10.0, within(4.0));
        assertThat(p.maxSeqLen()).isEqualTo(512);
        JsonNode fit = JsonMapper.builder().build().readTree(json.toFile());
        assertThat(fit.get("decode_r_squared").isNumber()).isTrue();
        assertThat(fit.get("decode_samples").isArray()).isTrue();
    }

    @Test
    void profile_missingTokenizerForAnExplicitModel_isOneLineUserError() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("profile", "--model", StoriesFixture.checkpoint());
        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err()).contains("needs its --tokenizer").doesNotContain("Exception");
    }
}
