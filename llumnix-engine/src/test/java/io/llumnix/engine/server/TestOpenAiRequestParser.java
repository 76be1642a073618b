package io.llumnix.engine.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Request validation and defaults, without a model: a byte-level testing tokenizer stands in. */
class TestOpenAiRequestParser {

    private static final OpenAiRequestParser PARSER = new OpenAiRequestParser(JsonMapper.builder().build(), new TestingByteTokenizer(), 64, "m");

    @Test
    void completion_defaults_followOpenAi() {
        ApiRequest r = completion("{\"prompt\":\"ab\"}");
        assertThat(r.promptTokens()).containsExactly(1, 'a' + 3, 'b' + 3);
        assertThat(r.params().maxTokens()).isEqualTo(OpenAiRequestParser.DEFAULT_COMPLETION_MAX_TOKENS);
        assertThat(r.params().temperature()).isEqualTo(1.0);
        assertThat(r.params().topP()).isEqualTo(1.0);
        assertThat(r.params().seed()).isEqualTo(OptionalLong.empty());
        assertThat(r.params().stop()).isEmpty();
        assertThat(r.stream()).isFalse();
        assertThat(r.priority()).isZero();
    }

    @Test
    void completion_readsEveryField() {
        ApiRequest r = completion("{\"model\":\"m\",\"prompt\":[[5,6,7]],\"max_tokens\":9,\"temperature\":0.5,\"top_p\":0.9,\"top_k\":4,"
                + "\"seed\":123,\"stop\":[\"x\",\"yz\"],\"stream\":true,\"stream_options\":{\"include_usage\":true},\"ignore_eos\":true,"
                + "\"priority\":2,\"n\":1,\"echo\":false,\"user\":\"u\",\"logprobs\":null}");
        assertThat(r.promptTokens()).containsExactly(5, 6, 7);
        assertThat(r.params().maxTokens()).isEqualTo(9);
        assertThat(r.params().temperature()).isEqualTo(0.5);
        assertThat(r.params().topP()).isEqualTo(0.9);
        assertThat(r.params().topK()).isEqualTo(4);
        assertThat(r.params().seed()).isEqualTo(OptionalLong.of(123));
        assertThat(r.params().stop()).isEqualTo(List.of("x", "yz"));
        assertThat(r.params().ignoreEos()).isTrue();
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
        assertThat(r.priority()).isEqualTo(2);
    }

    @Test
    void chat_rendersMessagesJoinedByNewlines_andDefaultsToTheRestOfTheContext() {
        ApiRequest r = PARSER.parseChat(bytes("{\"messages\":[{\"role\":\"system\",\"content\":\"a\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"b\"},{\"type\":\"text\",\"text\":\"c\"}]},"
                + "{\"role\":\"assistant\",\"content\":null}]}"));
        assertThat(r.kind()).isEqualTo(ApiRequest.Kind.CHAT);
        assertThat(r.promptTokens()).containsExactly(1, 'a' + 3, '\n' + 3, 'b' + 3, 'c' + 3);
        assertThat(r.params().maxTokens()).isEqualTo(64 - 5);
        assertThat(PARSER.parseChat(bytes("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":3,\"max_completion_tokens\":7}"))
                .params().maxTokens()).isEqualTo(7);
    }

    @Test
    void invalidInput_namesTheParameter() {
        assertInvalid("{\"prompt\":\"a\",\"max_tokens\":0}", "max_tokens", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"max_tokens\":true}", "max_tokens", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"seed\":\"x\"}", "seed", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"stop\":[1]}", "stop", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"stop\":\"\"}", "stop", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"top_k\":-2}", "top_k", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":[\"a\",\"b\"]}", "prompt", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":[]}", "prompt", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":[1,-1]}", "prompt", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"best_of\":2}", "best_of", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"presence_penalty\":0.5}", "presence_penalty", ErrorCode.INVALID_REQUEST);
        assertInvalid("{\"prompt\":\"a\",\"model\":\"other\"}", "model", ErrorCode.MODEL_NOT_FOUND);
        assertInvalid("{\"prompt\":\"" + "a".repeat(64) + "\"}", "prompt", ErrorCode.CONTEXT_LENGTH_EXCEEDED);
        assertInvalid("{\"prompt\":\"a\",\"max_tokens\":63}", "max_tokens", ErrorCode.CONTEXT_LENGTH_EXCEEDED);
        assertThatThrownBy(() -> completion("{\"prompt\":")).isInstanceOf(LlumnixException.class).hasMessageStartingWith("Malformed JSON");
    }

    private static void assertInvalid(String body, String param, ErrorCode code) {
        assertThatThrownBy(() -> completion(body)).as(body).isInstanceOfSatisfying(LlumnixException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.param()).contains(param);
        });
    }

    private static ApiRequest completion(String body) {
        return PARSER.parseCompletion(bytes(body));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** BOS = 1, EOS = 2, then one token per byte (id = byte + 3), no dummy prefix. */
    private static final class TestingByteTokenizer implements Tokenizer {
        @Override
        public int vocabSize() {
            return 259;
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public int[] encode(String text, boolean addBos) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] out = new int[b.length + (addBos ? 1 : 0)];
            int i = 0;
            if (addBos) {
                out[i++] = 1;
            }
            for (byte x : b) {
                out[i++] = (x & 0xff) + 3;
            }
            return out;
        }

        @Override
        public byte[] decodeBytes(int previousId, int id) {
            return id < 3 ? new byte[0] : new byte[] {(byte) (id - 3)};
        }
    }
}
