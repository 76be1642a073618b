package io.llumnix.gateway.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.llumnix.engine.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link HfTokenizer} against Hugging Face's own {@code tokenizers} (the Rust library, through DJL's JNI binding
 * with its bundled native library; test scope only): the same {@code tokenizer.json} must give the same ids. Covers
 * the converted fixtures and variants that switch on the components the fixtures do not use.
 */
class TestHfTokenizerAgainstHuggingFace {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** As {@code tokenizer(text)} in Python: special tokens added, no truncation or padding. */
    private static final Map<String, String> REFERENCE_OPTIONS = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    @TempDir
    Path dir;

    private void assertSameIds(String name, String json, int texts, long seed) throws Exception {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, json);
        HfTokenizer ours = HfTokenizer.load(file);
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(file, REFERENCE_OPTIONS)) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < texts; i++) {
                String text = i == 0 ? "" : TestHfTokenizer.randomText(random);
                Encoding expected = reference.encode(text);
                int[] ids = Arrays.stream(expected.getIds()).mapToInt(Math::toIntExact).toArray();
                assertThat(ours.encode(text, true)).as("%s: ids of %s", name, text).containsExactly(ids);
            }
        }
    }

    /** Ranges assigned long ago (Unicode 1.1 to 3.2), many with compatibility forms: fullwidth, ligatures, circled digits, Shan digits. */
    private static final int[][] LONG_ASSIGNED = {{0x20, 0x7E}, {0xA0, 0x17F}, {0x391, 0x3C9}, {0x410, 0x44F}, {0x1090, 0x1099},
            {0x2070, 0x2079}, {0x2160, 0x217F}, {0x2460, 0x24EA}, {0x3041, 0x3094}, {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0xFB00, 0xFB06},
            {0xFF01, 0xFF5E}};

    private static String longAssignedText(SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(1, 40);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                s.append(random.nextBoolean() ? " " : random.nextBoolean() ? "\n" : "  ");
            } else {
                int[] range = LONG_ASSIGNED[random.nextInt(LONG_ASSIGNED.length)];
                s.appendCodePoint(random.nextInt(range[0], range[1] + 1));
            }
        }
        return s.toString();
    }

    private static ObjectNode tree(String json) {
        return (ObjectNode) JSON.readTree(json);
    }

    private static String llama() {
        return TestingTokenizerJson.llamaFromLlama2c(SharedAssets.storiesDir().resolve("tok512.bin"));
    }

    @Test
    void byteLevelFixtures_matchHuggingFace() throws Exception {
        assertSameIds("gpt2", TestingTokenizerJson.gpt2FromR50k(), 1000, 1);
        assertSameIds("cl100k", TestingTokenizerJson.cl100kFromTiktoken(), 1000, 2);
        ObjectNode prefixed = tree(TestingTokenizerJson.gpt2FromR50k());
        ((ObjectNode) prefixed.path("pre_tokenizer")).put("add_prefix_space", true);
        assertSameIds("gpt2-prefix-space", prefixed.toString(), 300, 3);
    }

    @Test
    void sentencePieceFixtures_matchHuggingFace() throws Exception {
        assertSameIds("llama", llama(), 1000, 4);
        for (String scheme : new String[] {"first", "always", "never"}) {
            for (boolean split : new boolean[] {false, true}) {
                ObjectNode t = tree(llama());
                t.putNull("normalizer");
                t.set("pre_tokenizer", t.objectNode().put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", scheme)
                        .put("split", split));
                assertSameIds("metaspace-" + scheme + "-" + split, t.toString(), 200, 5);
            }
        }
        ObjectNode unk = tree(llama());
        ((ObjectNode) unk.path("model")).put("byte_fallback", false);
        assertSameIds("llama-fused-unk", unk.toString(), 300, 6);
        ((ObjectNode) unk.path("model")).put("fuse_unk", false);
        assertSameIds("llama-unfused-unk", unk.toString(), 300, 7);
    }

    @Test
    void splitBehavioursNormalizersAndAddedTokenOptions_matchHuggingFace() throws Exception {
        for (String behavior : new String[] {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"}) {
            for (boolean invert : new boolean[] {false, true}) {
                ObjectNode t = tree(TestingTokenizerJson.gpt2FromR50k());
                ObjectNode split = t.objectNode().put("type", "Split").put("behavior", behavior).put("invert", invert);
                split.set("pattern", t.objectNode().put("Regex", "\\s+|[0-9]"));
                ArrayNode steps = t.arrayNode().add(split).add(t.objectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                        .put("trim_offsets", true).put("use_regex", false));
                t.set("pre_tokenizer", t.objectNode().put("type", "Sequence").set("pretokenizers", steps));
                assertSameIds("split-" + behavior + "-" + invert, t.toString(), 100, 8);
            }
        }
        ObjectNode t = tree(TestingTokenizerJson.gpt2FromR50k());
        ArrayNode steps = t.arrayNode().add(t.objectNode().put("type", "Digits").put("individual_digits", true))
                .add(t.objectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true));
        t.set("pre_tokenizer", t.objectNode().put("type", "Sequence").set("pretokenizers", steps));
        ArrayNode normalizers = t.arrayNode().add(t.objectNode().put("type", "NFKC")).add(t.objectNode().put("type", "Lowercase"));
        t.set("normalizer", t.objectNode().put("type", "Sequence").set("normalizers", normalizers));
        ArrayNode added = (ArrayNode) t.path("added_tokens");
        added.add(t.objectNode().put("id", 50257).put("content", "<|im_start|>").put("single_word", false).put("lstrip", true)
                .put("rstrip", true).put("normalized", false).put("special", true));
        ((ObjectNode) t.path("model").path("vocab")).put("<|im_start|>", 50257);
        // Java's NFKC follows Unicode 16, the Rust crate behind Hugging Face's an older version: characters assigned
        // since (U+1E03D, a Cyrillic modifier letter of Unicode 15, decomposes to п in Java, stays in Rust) normalize
        // differently, so this text keeps to long-assigned characters, with many that NFKC rewrites.
        Path file0 = dir.resolve("digits-nfkc-lowercase.json");
        Files.writeString(file0, t.toString());
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(file0, REFERENCE_OPTIONS)) {
            HfTokenizer ours = HfTokenizer.load(file0);
            SplittableRandom r = new SplittableRandom(9);
            for (int i = 0; i < 500; i++) {
                String text = longAssignedText(r);
                int[] expected = Arrays.stream(reference.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
                assertThat(ours.encode(text, true)).as("ids of %s", text).containsExactly(expected);
            }
        }
        SplittableRandom random = new SplittableRandom(10);
        StringBuilder withMarkers = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            withMarkers.append(TestHfTokenizer.randomText(random)).append(random.nextBoolean() ? " <|im_start|> " : "<|im_start|>");
        }
        Path file = dir.resolve("markers.json");
        Files.writeString(file, t.toString());
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(file, REFERENCE_OPTIONS)) {
            int[] expected = Arrays.stream(reference.encode(withMarkers.toString()).getIds()).mapToInt(Math::toIntExact).toArray();
            assertThat(HfTokenizer.load(file).encode(withMarkers.toString(), true)).containsExactly(expected);
        }
    }
}
