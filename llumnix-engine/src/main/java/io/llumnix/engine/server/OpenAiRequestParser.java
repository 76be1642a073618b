package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates OpenAI {@code /v1/completions} and {@code /v1/chat/completions} bodies and tokenizes the prompt.
 * Every rejection is a {@link LlumnixException} naming the offending parameter, so the server can answer
 * with an OpenAI error object; nothing is clamped silently.
 *
 * <p>Supported beyond the OpenAI fields: {@code top_k}, {@code ignore_eos}, {@code priority} and
 * {@code return_token_ids} (vLLM's extensions). Fields that would change the answer but are not implemented
 * ({@code n} other than 1, {@code best_of}, {@code echo}, {@code logprobs}, penalties, {@code logit_bias},
 * {@code suffix}, tools) are rejected rather than ignored; purely informational ones ({@code user},
 * {@code metadata}, …) are ignored.
 *
 * <p>Immutable and thread-safe.
 */
final class OpenAiRequestParser {

    /** The prefill/decode disaggregation extension: where the request goes after its first token. */
    static final String PD_DECODE_FIELD = "pd_decode_llumlet";

    static final int DEFAULT_COMPLETION_MAX_TOKENS = 16;

    private final JsonMapper mapper;
    private final Tokenizer tokenizer;
    private final int maxModelLen;
    private final String servedModelName;

    OpenAiRequestParser(JsonMapper mapper, Tokenizer tokenizer, int maxModelLen, String servedModelName) {
        this.mapper = requireNonNull(mapper, "mapper is null");
        this.tokenizer = requireNonNull(tokenizer, "tokenizer is null");
        this.maxModelLen = maxModelLen;
        this.servedModelName = requireNonNull(servedModelName, "servedModelName is null");
    }

    ApiRequest parseCompletion(byte[] body) {
        JsonNode root = readObject(body);
        checkCommon(root);
        rejectUnlessAbsentOr(root, "echo", JsonNode::isBoolean, n -> !n.booleanValue(), "echo is not supported (only false)");
        rejectUnlessAbsent(root, "logprobs", "logprobs is not supported");
        rejectUnlessAbsent(root, "suffix", "suffix is not supported");
        rejectUnlessAbsentOr(root, "best_of", JsonNode::isIntegralNumber, n -> n.asLong() == 1, "best_of must be 1");
        int[] prompt = completionPrompt(root.get("prompt"));
        OptionalIntField maxTokens = optionalPositiveInt(root, "max_tokens");
        int max = maxTokens.present ? maxTokens.value : DEFAULT_COMPLETION_MAX_TOKENS;
        return finish(ApiRequest.Kind.COMPLETION, root, prompt, max, "max_tokens");
    }

    ApiRequest parseChat(byte[] body) {
        JsonNode root = readObject(body);
        checkCommon(root);
        rejectUnlessAbsentOr(root, "logprobs", JsonNode::isBoolean, n -> !n.booleanValue(), "logprobs is not supported");
        rejectUnlessAbsent(root, "top_logprobs", "top_logprobs is not supported");
        rejectUnlessAbsentOr(root, "tools", JsonNode::isArray, JsonNode::isEmpty, "tools are not supported by this model");
        JsonNode responseFormat = field(root, "response_format").orElse(null);
        if (responseFormat != null && !(responseFormat.isObject() && "text".equals(responseFormat.path("type").asString("")))) {
            throw LlumnixException.invalid("response_format", "only response_format {\"type\":\"text\"} is supported");
        }
        String text = ChatTemplate.render(root.get("messages"));
        int[] prompt = tokenizer.encode(text, true);
        checkPromptLength(prompt, "messages");
        String maxParam = field(root, "max_completion_tokens").isPresent() ? "max_completion_tokens" : "max_tokens";
        OptionalIntField maxTokens = optionalPositiveInt(root, maxParam);
        int max = maxTokens.present ? maxTokens.value : maxModelLen - prompt.length;
        return finish(ApiRequest.Kind.CHAT, root, prompt, max, maxParam);
    }

    private ApiRequest finish(ApiRequest.Kind kind, JsonNode root, int[] prompt, int maxTokens, String maxParam) {
        if ((long) prompt.length + maxTokens > maxModelLen) {
            throw new LlumnixException(ErrorCode.CONTEXT_LENGTH_EXCEEDED,
                    "This model's maximum context length is " + maxModelLen + " tokens. However, you requested "
                            + ((long) prompt.length + maxTokens) + " tokens (" + prompt.length + " in the prompt, " + maxTokens
                            + " for the completion). Please reduce the prompt or " + maxParam + ".",
                    maxParam);
        }
        double temperature = optionalDouble(root, "temperature", 1.0);
        double topP = optionalDouble(root, "top_p", 1.0);
        int topK = optionalInt(root, "top_k", 0);
        OptionalLong seed = field(root, "seed").isPresent() ? OptionalLong.of(requireLong(root, "seed")) : OptionalLong.empty();
        List<String> stop = stopStrings(root);
        boolean ignoreEos = optionalBoolean(root, "ignore_eos", false);
        int priority = optionalInt(root, "priority", 0);
        boolean stream = optionalBoolean(root, "stream", false);
        boolean includeUsage = false;
        Optional<JsonNode> streamOptions = field(root, "stream_options");
        if (streamOptions.isPresent()) {
            if (!stream) {
                throw LlumnixException.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!streamOptions.get().isObject()) {
                throw LlumnixException.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = optionalBoolean(streamOptions.get(), "include_usage", false, "stream_options.include_usage");
        }
        boolean returnTokenIds = optionalBoolean(root, "return_token_ids", false);
        String decodeHandoff = decodeHandoff(root);
        SamplingParams params = new SamplingParams(temperature, topP, topK, seed, maxTokens, stop, ignoreEos);
        return new ApiRequest(kind, prompt, params, stream, includeUsage, priority, returnTokenIds, decodeHandoff);
    }

    private JsonNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            throw LlumnixException.invalid("", "Malformed JSON body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw LlumnixException.invalid("", "The request body must be a JSON object");
        }
        return root;
    }

    private void checkCommon(JsonNode root) {
        Optional<JsonNode> model = field(root, "model");
        if (model.isPresent()) {
            if (!model.get().isString()) {
                throw LlumnixException.invalid("model", "model must be a string");
            }
            String name = model.get().stringValue();
            if (!name.equals(servedModelName)) {
                throw new LlumnixException(ErrorCode.MODEL_NOT_FOUND,
                        "The model '" + name + "' does not exist; this server serves '" + servedModelName + "'", "model");
            }
        }
        rejectUnlessAbsentOr(root, "n", JsonNode::isIntegralNumber, n -> n.asLong() == 1,
                "n must be 1: this server returns one choice per request");
        rejectUnlessAbsentOr(root, "presence_penalty", JsonNode::isNumber, n -> n.asDouble() == 0.0, "presence_penalty is not supported");
        rejectUnlessAbsentOr(root, "frequency_penalty", JsonNode::isNumber, n -> n.asDouble() == 0.0,
                "frequency_penalty is not supported");
        rejectUnlessAbsentOr(root, "logit_bias", JsonNode::isObject, JsonNode::isEmpty, "logit_bias is not supported");
    }

    private int[] completionPrompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw LlumnixException.invalid("prompt", "prompt is required");
        }
        int[] tokens;
        if (prompt.isString()) {
            tokens = tokenizer.encode(prompt.stringValue(), true);
        } else if (prompt.isArray()) {
            if (prompt.isEmpty()) {
                throw LlumnixException.invalid("prompt", "prompt must not be empty");
            }
            JsonNode first = prompt.get(0);
            if (first.isString() || first.isArray()) {
                // A list of prompts: OpenAI batches them; one is all this server takes per request.
                if (prompt.size() != 1) {
                    throw LlumnixException.invalid("prompt", "only one prompt per request is supported, got " + prompt.size());
                }
                return completionPrompt(first);
            }
            tokens = tokenIds(prompt);
        } else {
            throw LlumnixException.invalid("prompt", "prompt must be a string or an array of token ids");
        }
        checkPromptLength(tokens, "prompt");
        return tokens;
    }

    private int[] tokenIds(JsonNode array) {
        int[] tokens = new int[array.size()];
        int vocab = tokenizer.vocabSize();
        for (int i = 0; i < tokens.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocab) {
                throw LlumnixException.invalid("prompt", "prompt[" + i + "] must be a token id in 0.." + (vocab - 1) + ", got " + t);
            }
            tokens[i] = t.intValue();
        }
        return tokens;
    }

    private void checkPromptLength(int[] prompt, String param) {
        if (prompt.length == 0) {
            throw LlumnixException.invalid(param, "the prompt must not be empty");
        }
        if (prompt.length >= maxModelLen) {
            throw new LlumnixException(ErrorCode.CONTEXT_LENGTH_EXCEEDED,
                    "This model's maximum context length is " + maxModelLen + " tokens. However, your prompt has " + prompt.length
                            + " tokens, which leaves no room for a completion.",
                    param);
        }
    }

    private static List<String> stopStrings(JsonNode root) {
        Optional<JsonNode> stop = field(root, "stop");
        if (stop.isEmpty()) {
            return List.of();
        }
        JsonNode node = stop.get();
        if (node.isString()) {
            return List.of(node.stringValue());
        }
        if (node.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : node.values()) {
                if (!s.isString()) {
                    throw LlumnixException.invalid("stop", "stop must be a string or an array of strings");
                }
                out.add(s.stringValue());
            }
            return out;
        }
        throw LlumnixException.invalid("stop", "stop must be a string or an array of strings");
    }

    /** The field's value, absent when missing or JSON null (OpenAI treats null as "use the default"). */
    /** {@code pd_decode_llumlet}: {@code host:port} of the decode instance's llumlet, or empty. */
    private static String decodeHandoff(JsonNode root) {
        Optional<JsonNode> v = field(root, PD_DECODE_FIELD);
        if (v.isEmpty()) {
            return "";
        }
        String address = v.get().isString() ? v.get().asString() : "";
        int colon = address.lastIndexOf(':');
        boolean valid = colon > 0 && colon < address.length() - 1 && address.substring(colon + 1).chars().allMatch(Character::isDigit)
                && address.length() - colon - 1 <= 5 && Integer.parseInt(address.substring(colon + 1)) <= 65535;
        if (!valid) {
            throw LlumnixException.invalid(PD_DECODE_FIELD, PD_DECODE_FIELD + " must be a llumlet address host:port");
        }
        return address;
    }

    private static Optional<JsonNode> field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() || v.isMissingNode() ? Optional.empty() : Optional.of(v);
    }

    private static double optionalDouble(JsonNode root, String name, double fallback) {
        Optional<JsonNode> v = field(root, name);
        if (v.isEmpty()) {
            return fallback;
        }
        if (!v.get().isNumber()) {
            throw LlumnixException.invalid(name, name + " must be a number, got " + v.get());
        }
        return v.get().asDouble();
    }

    private static int optionalInt(JsonNode root, String name, int fallback) {
        Optional<JsonNode> v = field(root, name);
        if (v.isEmpty()) {
            return fallback;
        }
        if (!v.get().isIntegralNumber() || !v.get().canConvertToInt()) {
            throw LlumnixException.invalid(name, name + " must be an integer, got " + v.get());
        }
        return v.get().intValue();
    }

    private static long requireLong(JsonNode root, String name) {
        JsonNode v = root.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw LlumnixException.invalid(name, name + " must be an integer, got " + v);
        }
        return v.longValue();
    }

    private static OptionalIntField optionalPositiveInt(JsonNode root, String name) {
        Optional<JsonNode> v = field(root, name);
        if (v.isEmpty()) {
            return new OptionalIntField(false, 0);
        }
        if (!v.get().isIntegralNumber() || !v.get().canConvertToLong()) {
            throw LlumnixException.invalid(name, name + " must be an integer, got " + v.get());
        }
        long value = v.get().longValue();
        if (value < 1) {
            throw LlumnixException.invalid(name, name + " must be at least 1, got " + value);
        }
        return new OptionalIntField(true, (int) Math.min(value, Integer.MAX_VALUE));
    }

    private static boolean optionalBoolean(JsonNode root, String name, boolean fallback) {
        return optionalBoolean(root, name, fallback, name);
    }

    private static boolean optionalBoolean(JsonNode root, String name, boolean fallback, String param) {
        Optional<JsonNode> v = field(root, name);
        if (v.isEmpty()) {
            return fallback;
        }
        if (!v.get().isBoolean()) {
            throw LlumnixException.invalid(param, param + " must be a boolean, got " + v.get());
        }
        return v.get().booleanValue();
    }

    private static void rejectUnlessAbsent(JsonNode root, String name, String message) {
        if (field(root, name).isPresent()) {
            throw LlumnixException.invalid(name, message);
        }
    }

    private static void rejectUnlessAbsentOr(JsonNode root, String name, java.util.function.Predicate<JsonNode> typeOk,
            java.util.function.Predicate<JsonNode> valueOk, String message) {
        Optional<JsonNode> v = field(root, name);
        if (v.isPresent() && !(typeOk.test(v.get()) && valueOk.test(v.get()))) {
            throw LlumnixException.invalid(name, message + ", got " + v.get());
        }
    }

    private record OptionalIntField(boolean present, int value) {}
}
