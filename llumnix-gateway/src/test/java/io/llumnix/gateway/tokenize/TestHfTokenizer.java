package io.llumnix.gateway.tokenize;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.llumnix.engine.SharedAssets;
import io.llumnix.engine.tokenizer.Llama2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Differential tests of {@link HfTokenizer} against tokenizers we trust, on {@code tokenizer.json} files converted
 * from them ({@link TestingTokenizerJson}): jtokkit's tiktoken encodings for the byte-level flavour, the engine's
 * llama2.c tokenizer for the SentencePiece flavour.
 */
class TestHfTokenizer {

    private static final String[] WORDS = {"the", "The", "Once", "upon", "a", "time", "Lily", "Tom", "went", "to", "park", "hello",
            "world", "don't", "it's", "WE'LL", "they've", "I'm", "x", "tokenization", "HTTP/1.1", "naïve", "café", "Straße", "über",
            "中文", "日本語", "한국어", "Привет", "مرحبا", "😀", "👍🏽", "e\u0301", "’s", "1234567", "3.14", "0x1F", "<", ">", "<s", "|", "__init__",
            "a\tb", "\u00a0", "\u2003", "ﬁ", "𝔘𝔫𝔦"};
    private static final String[] SPACES = {" ", " ", " ", "  ", "\n", "\n\n", "\t", " \n ", "   ", "\r\n", ""};
    private static final String PUNCT = ".,;:!?'\"()[]{}-_/\\@#$%^&*+=~`";

    /** A seeded random text of words, numbers, punctuation, scripts, emoji and odd whitespace. */
    static String randomText(SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(1, 25);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(6)) {
                case 0, 1, 2 -> s.append(WORDS[random.nextInt(WORDS.length)]);
                case 3 -> s.append(random.nextInt(100_000));
                case 4 -> s.append(PUNCT.charAt(random.nextInt(PUNCT.length())));
                default -> s.appendCodePoint(randomCodePoint(random));
            }
            s.append(SPACES[random.nextInt(SPACES.length)]);
        }
        return random.nextBoolean() ? s.toString() : s.toString().strip();
    }

    private static int randomCodePoint(SplittableRandom random) {
        while (true) {
            int cp = random.nextBoolean() ? random.nextInt(0x20, 0x3000) : random.nextInt(0x20, 0x1FAFF);
            if (Character.isDefined(cp) && !Character.isSurrogate((char) cp) && Character.getType(cp) != Character.PRIVATE_USE) {
                return cp;
            }
        }
    }

    @Test
    void gpt2_matchesTiktokenR50k_onSeededRandomText() {
        HfTokenizer hf = HfTokenizer.parse(TestingTokenizerJson.gpt2FromR50k());
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        assertThat(hf.encode("Hello world", false)).containsExactly(15496, 995);
        assertThat(hf.encode("Hello<|endoftext|> world", true)).containsExactly(15496, 50256, 995);
        SplittableRandom random = new SplittableRandom(20261122);
        for (int i = 0; i < 3000; i++) {
            String text = randomText(random);
            int[] ids = hf.encode(text, true);
            assertThat(ids).as("ids of %s", text).containsExactly(r50k.encodeOrdinary(text).toArray());
            assertThat(new String(hf.decodeBytes(-1, ids), UTF_8)).as("round trip of %s", text).isEqualTo(text);
        }
    }

    @Test
    void splitSequenceAndIgnoreMerges_matchTiktokenCl100k_onSeededRandomText() {
        HfTokenizer hf = HfTokenizer.parse(TestingTokenizerJson.cl100kFromTiktoken());
        Encoding cl100k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        assertThat(hf.encode("x<|fim_prefix|>y", false)).containsExactly(87, 100258, 88);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            String text = randomText(random);
            assertThat(hf.encode(text, false)).as("ids of %s", text).containsExactly(cl100k.encodeOrdinary(text).toArray());
        }
    }

    @Test
    void llamaFlavour_matchesLlama2cTokenizer_onGoldenPromptsAndSeededRandomText() {
        Path bin = SharedAssets.storiesDir().resolve("tok512.bin");
        HfTokenizer hf = HfTokenizer.parse(TestingTokenizerJson.llamaFromLlama2c(bin));
        Llama2Tokenizer engine = Llama2Tokenizer.load(bin, 512);
        assertThat(hf.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        for (String golden : List.of("", "Lily and Tom went to the",
                "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.\nLily\n")) {
            assertThat(hf.encode(golden, true)).as(golden).containsExactly(engine.encode(golden, true));
        }
        List<String> differing = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(42);
        int spelledSpecials = 0;
        for (int i = 0; i < 5000; i++) {
            String text = randomText(random);
            int[] ids = hf.encode(text, true);
            if (text.contains("<s>") || text.contains("</s>") || text.contains("<unk>")) {
                // Hugging Face matches added tokens spelled in the text; llama2.c's run.c encodes their characters.
                spelledSpecials++;
                continue;
            }
            if (!Arrays.equals(ids, engine.encode(text, true))) {
                differing.add(text);
            }
            assertThat(new String(hf.decodeBytes(-1, ids), UTF_8)).as("round trip of %s", text).isEqualTo(text);
        }
        assertThat(differing).isEmpty();
        assertThat(spelledSpecials).as("texts that spell <s> (skipped)").isLessThan(100);
        assertThat(hf.encode("a<s>b", false)).contains(1);
    }

    @Test
    void llamaFlavour_byteFallbackSpellsUnknownCharactersAsTheirBytes() {
        HfTokenizer hf = HfTokenizer.parse(TestingTokenizerJson.llamaFromLlama2c(SharedAssets.storiesDir().resolve("tok512.bin")));
        // ▁ is a vocabulary piece; 中 (E4 B8 AD) is not: three byte tokens, id = byte + 3.
        assertThat(hf.encode("中", false)).containsExactly(410, 0xE4 + 3, 0xB8 + 3, 0xAD + 3);
    }

    @Test
    void unknownCharacters_becomeOneUnkTokenWhenFused() {
        String json = """
                {"model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": %s, "byte_fallback": false,
                  "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3}, "merges": ["a b"]}}""";
        assertThat(HfTokenizer.parse(json.formatted("true")).encode("axyab", true)).containsExactly(1, 0, 3);
        assertThat(HfTokenizer.parse(json.formatted("false")).encode("axyab", true)).containsExactly(1, 0, 0, 3);
    }

    @Test
    void metaspacePreTokenizer_equalsThePrependReplaceNormalizer_forTextNotStartingWithASpace() {
        String legacy = TestingTokenizerJson.llamaFromLlama2c(SharedAssets.storiesDir().resolve("tok512.bin"));
        ObjectNode root = (ObjectNode) JsonMapper.builder().build().readTree(legacy);
        root.putNull("normalizer");
        root.set("pre_tokenizer", root.objectNode().put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first")
                .put("split", false));
        String metaspace = root.toString();
        HfTokenizer a = HfTokenizer.parse(legacy);
        HfTokenizer b = HfTokenizer.parse(metaspace);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 500; i++) {
            String text = randomText(random).stripLeading();
            assertThat(b.encode(text, true)).as(text).containsExactly(a.encode(text, true));
        }
    }

    @Test
    void unsupportedComponents_failWithTheSupportedList() {
        assertThatThrownBy(() -> HfTokenizer.parse("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("supported: BPE");
        assertThatThrownBy(() -> HfTokenizer.parse("""
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("supported: Sequence, ByteLevel, Metaspace");
        assertThatThrownBy(() -> HfTokenizer.parse("""
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocab");
    }
}
