package io.llumnix.engine.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class TestSyntheticTokenizer {

    private final SyntheticTokenizer tok = new SyntheticTokenizer(1000);

    @Test
    void encode_text_isBosSpaceAndBytesPlusThree() {
        assertThat(tok.encode("Hi", true)).containsExactly(1, ' ' + 3, 'H' + 3, 'i' + 3);
    }

    @Test
    void roundTrip_unicodeText_isLossless() {
        String text = "naïve 🐉 text";
        int[] ids = tok.encode(text, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(tok.decodeBytes(ids[i - 1], ids[i]));
        }

        assertThat(out.toString(UTF_8)).isEqualTo(text);
    }

    @Test
    void decode_highIds_arePrintableDistinctWords() {
        String a = new String(tok.decodeBytes(5, 259), UTF_8);
        String b = new String(tok.decodeBytes(5, 260), UTF_8);
        String c = new String(tok.decodeBytes(5, 999), UTF_8);

        assertThat(a).matches(" [a-z]{2,}");
        assertThat(b).matches(" [a-z]{2,}");
        assertThat(c).matches(" [a-z]{2,}");
        assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void decode_outOfVocabulary_rejects() {
        assertThatThrownBy(() -> tok.decodeBytes(1, 1000)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000");
    }

    @Test
    void construct_vocabularyTooSmall_rejects() {
        assertThatThrownBy(() -> new SyntheticTokenizer(100)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("259");
    }
}
