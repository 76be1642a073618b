package io.llumnix.engine.sched;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestTextAssembler {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void multiByteCharacter_splitAcrossTokens_isHeldUntilComplete() {
        TextAssembler t = new TextAssembler(List.of());
        byte[] euro = b("€");
        assertThat(t.add(new byte[] {euro[0]}).text()).isEmpty();
        assertThat(t.add(new byte[] {euro[1]}).text()).isEmpty();
        assertThat(t.add(new byte[] {euro[2]}).text()).isEqualTo("€");
    }

    @Test
    void stopString_acrossTokens_isNotEmitted_andEndsOutput() {
        TextAssembler t = new TextAssembler(List.of("END"));
        StringBuilder out = new StringBuilder();
        for (String piece : List.of("hello ", "E", "N", "D", " more")) {
            TextAssembler.Step s = t.add(b(piece));
            out.append(s.text());
            if (s.stopped()) {
                break;
            }
        }
        assertThat(out.toString()).isEqualTo("hello ");
        assertThat(t.finish()).isEmpty();
    }

    @Test
    void heldBackPrefix_thatIsNotAStop_isReleasedOnFinish() {
        TextAssembler t = new TextAssembler(List.of("STOP"));
        String text = t.add(b("abcST")).text();
        assertThat(text + t.finish()).isEqualTo("abcST");
    }

    @Test
    void incompleteCharacterAtEnd_becomesReplacement() {
        TextAssembler t = new TextAssembler(List.of());
        t.add(new byte[] {(byte) 0xE2});
        assertThat(t.finish()).isEqualTo("\uFFFD");
    }
}
