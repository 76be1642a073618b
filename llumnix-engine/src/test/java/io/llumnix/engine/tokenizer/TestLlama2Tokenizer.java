package io.llumnix.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.model.TestingModelFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tok512.bin against run.c's encode/decode (shared/models/stories260K/SOURCE.md). */
class TestLlama2Tokenizer {

    private static final Llama2Tokenizer TOK = Llama2Tokenizer.load(TestingModelFiles.storiesTokenizer(), 512);

    @Test
    void encode_onceUponATime_matchesRunC() {
        assertThat(TOK.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
    }

    @Test
    void encode_lilyAndTom_matchesRunC() {
        assertThat(TOK.encode("Lily and Tom went to the", true)).containsExactly(1, 317, 269, 274, 287, 263, 377, 267, 265);
    }

    @Test
    void encode_withoutBos_omitsOnlyBos() {
        assertThat(TOK.encode("Once upon a time", false)).containsExactly(403, 407, 261, 378);
    }

    @Test
    void encode_emptyText_hasNoDummyPrefix() {
        assertThat(TOK.encode("", true)).containsExactly(1);
        assertThat(TOK.encode("", false)).isEmpty();
    }

    @Test
    void encode_characterOutsideVocabulary_fallsBackToUtf8Bytes() {
        // "é" is a piece of this vocabulary (485); "ü" (C3 BC) is not, so it becomes two byte tokens.
        assertThat(TOK.encode("é", false)).containsExactly(410, 485);
        assertThat(TOK.encode("ü", false)).containsExactly(410, 0xC3 + 3, 0xBC + 3);
    }

    @Test
    void decode_goldenCaseB_reproducesRunCText() {
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
                410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266,
                268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};

        assertThat(decode(ids)).isEqualTo("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
                + " One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily");
    }

    @Test
    void decode_specialTokens_contributeNothing() {
        assertThat(TOK.decodeBytes(0, 1)).isEmpty();
        assertThat(TOK.decodeBytes(0, 2)).isEmpty();
    }

    @Test
    void decode_leadingSpace_droppedOnlyAfterBos() {
        assertThat(new String(TOK.decodeBytes(1, 403), UTF_8)).isEqualTo("Once");
        assertThat(new String(TOK.decodeBytes(432, 403), UTF_8)).isEqualTo(" Once");
    }

    @Test
    void decode_byteFallbackPiece_yieldsRawByte() {
        assertThat(TOK.decodeBytes(400, 13)).containsExactly(0x0A);
        assertThat(TOK.decodeBytes(400, 0xC3 + 3)).containsExactly((byte) 0xC3);
    }

    @Test
    void roundTrip_unicodeText_survivesByteFallback() {
        String text = "Tom saw a dragon 🐉 — naïve café!";

        assertThat(decode(TOK.encode(text, true))).isEqualTo(text);
    }

    @Test
    void encode_longText_isFastAndMatchesPieceConcatenation() {
        String text = "Once upon a time, there was a little girl named Lily. ".repeat(400);
        long start = System.nanoTime();
        int[] ids = TOK.encode(text, true);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(decode(ids)).isEqualTo(text);
        assertThat(millis).as("encode of %d chars took %d ms", text.length(), millis).isLessThan(2000);
    }

    @Test
    void load_wrongVocabularySize_rejectsNamingBothSizes() {
        assertThatThrownBy(() -> Llama2Tokenizer.load(TestingModelFiles.storiesTokenizer(), 32000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("512")
                .hasMessageContaining("32000");
    }

    @Test
    void load_truncatedFile_rejectsWithPath(@TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(TestingModelFiles.storiesTokenizer());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));

        assertThatThrownBy(() -> Llama2Tokenizer.load(cut, 512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining(cut.toString());
    }

    @Test
    void load_missingFile_rejectsWithPath(@TempDir Path dir) {
        Path missing = dir.resolve("nope.bin");

        assertThatThrownBy(() -> Llama2Tokenizer.load(missing, 512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString());
    }

    private static String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(TOK.decodeBytes(ids[i - 1], ids[i]));
        }
        if (ids.length > 0 && ids[0] != 1) {
            byte[] first = TOK.decodeBytes(0, ids[0]);
            byte[] rest = out.toByteArray();
            out.reset();
            out.writeBytes(first);
            out.writeBytes(rest);
        }
        return out.toString(UTF_8);
    }
}
