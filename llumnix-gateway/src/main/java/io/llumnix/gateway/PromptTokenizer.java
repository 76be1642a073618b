package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.server.ChatTemplate;
import io.llumnix.engine.tokenizer.Tokenizer;
import io.llumnix.gateway.tokenize.HfTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The backend model's tokenizer as the gateway uses it: to count prompt tokens (scheduling, token rate limits)
 * and to compute the prefix block hashes the scheduler's cache-aware metrics compare. For our engine the ids must
 * be exactly the engine's, because a request resumed after a failure is re-submitted as token ids.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface PromptTokenizer {

    /** Token ids of a completion prompt, as the backend would encode it. */
    int[] encodeCompletion(String prompt);

    /**
     * Token ids of a chat prompt ({@code messages}); throws {@link LlumnixException} (invalid request) when the
     * messages are malformed.
     */
    int[] encodeChat(JsonNode messages);

    /**
     * The text {@code ids} decode to when they follow {@code previousId}, or empty when this tokenizer cannot
     * decode (counting-only encodings). An incomplete UTF-8 character at the end is left out.
     */
    Optional<String> decode(int previousId, int[] ids);

    /**
     * Whether the ids are exactly the backend's (not an estimate): only then can a failed stream be resumed from
     * token ids.
     */
    boolean exact();

    /** The llama2.c tokenizer of our engine, with the engine's chat template: ids identical to the engine's. */
    static PromptTokenizer engine(Tokenizer tokenizer) {
        requireNonNull(tokenizer, "tokenizer is null");
        return new PromptTokenizer() {
            @Override
            public int[] encodeCompletion(String prompt) {
                return tokenizer.encode(prompt, true);
            }

            @Override
            public int[] encodeChat(JsonNode messages) {
                return tokenizer.encode(ChatTemplate.render(messages), true);
            }

            @Override
            public Optional<String> decode(int previousId, int[] ids) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                int prev = previousId;
                for (int id : ids) {
                    if (id < 0 || id >= tokenizer.vocabSize()) {
                        return Optional.empty();
                    }
                    bytes.writeBytes(tokenizer.decodeBytes(prev, id));
                    prev = id;
                }
                return Optional.of(completeCharacters(bytes.toByteArray()));
            }

            @Override
            public boolean exact() {
                return true;
            }
        };
    }

    /**
     * A tiktoken encoding ({@code cl100k_base}, {@code o200k_base}, …) through jtokkit, for OpenAI-style backends.
     * Chat prompts are counted the way OpenAI documents for its chat models: each message's role and contents, plus
     * a few tokens of framing per message.
     */
    static PromptTokenizer tiktoken(String encodingName) {
        requireNonNull(encodingName, "encodingName is null");
        EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        Encoding encoding = registry.getEncoding(encodingName).orElseThrow(() -> new IllegalArgumentException(
                "unknown tiktoken encoding '" + encodingName + "'; valid: r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base"));
        return new PromptTokenizer() {
            @Override
            public int[] encodeCompletion(String prompt) {
                return encoding.encodeOrdinary(prompt).toArray();
            }

            @Override
            public int[] encodeChat(JsonNode messages) {
                return encoding.encodeOrdinary(chatMarkup(messages)).toArray();
            }

            @Override
            public Optional<String> decode(int previousId, int[] ids) {
                return Optional.empty();
            }

            @Override
            public boolean exact() {
                return false;
            }
        };
    }

    /**
     * A Hugging Face {@code tokenizer.json} (BPE) for vLLM, SGLang and other backends that tokenize with the
     * {@code tokenizers} library: completion prompts get exactly the backend's ids (special tokens spelled in the
     * prompt and the template's BOS included). Chat prompts are counted in ChatML framing, since the model's chat
     * template lives outside {@code tokenizer.json}: exact for ChatML models (Qwen), an estimate for others; hence not
     * {@link #exact()}.
     */
    static PromptTokenizer huggingFace(HfTokenizer tokenizer) {
        requireNonNull(tokenizer, "tokenizer is null");
        return new PromptTokenizer() {
            @Override
            public int[] encodeCompletion(String prompt) {
                return tokenizer.encode(prompt, true);
            }

            @Override
            public int[] encodeChat(JsonNode messages) {
                return tokenizer.encode(chatMarkup(messages), true);
            }

            @Override
            public Optional<String> decode(int previousId, int[] ids) {
                try {
                    return Optional.of(completeCharacters(tokenizer.decodeBytes(previousId, ids)));
                } catch (IllegalArgumentException e) {
                    return Optional.empty(); // an id outside the vocabulary
                }
            }

            @Override
            public boolean exact() {
                return false;
            }
        };
    }

    /**
     * Chat messages in ChatML framing ({@code <|im_start|>role\ncontent<|im_end|>\n}, then the assistant's opening),
     * after validating them like the engine would; OpenAI documents its chat models' token accounting this way.
     */
    private static String chatMarkup(JsonNode messages) {
        ChatTemplate.render(messages);
        StringBuilder text = new StringBuilder();
        for (JsonNode m : messages.values()) {
            text.append("<|im_start|>").append(m.path("role").asString("")).append('\n');
            JsonNode content = m.get("content");
            if (content != null && content.isString()) {
                text.append(content.stringValue());
            } else if (content != null && content.isArray()) {
                content.values().forEach(part -> text.append(part.path("text").asString("")));
            }
            text.append("<|im_end|>\n");
        }
        text.append("<|im_start|>assistant\n");
        return text.toString();
    }

    /** Decodes UTF-8, leaving out an incomplete character at the end (it completes with the next token). */
    private static String completeCharacters(byte[] bytes) {
        int end = bytes.length;
        // Back up over a trailing incomplete sequence: at most 3 continuation bytes after a lead byte.
        for (int i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
            int b = bytes[i] & 0xff;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte
            }
            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            if (bytes.length - i < need) {
                end = i;
            }
            break;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes, 0, end)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder threw", e);
        }
    }
}
