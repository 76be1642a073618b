package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.LlumnixException;
import java.util.OptionalInt;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads what the gateway needs from a completion request body and tokenizes the prompt with the model's
 * tokenizer. It checks the types of the fields it reads (a wrong type is a 400 here, before any instance is
 * bothered) and leaves every other check to the backend, whose 4xx answers are relayed as they are.
 *
 * <p>Immutable and thread-safe.
 */
final class ClientRequestParser {

    private final JsonMapper mapper;
    private final ModelCatalog catalog;

    ClientRequestParser(JsonMapper mapper, ModelCatalog catalog) {
        this.mapper = requireNonNull(mapper, "mapper is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    ClientRequest parse(ClientRequest.Endpoint endpoint, byte[] bytes, OptionalInt priority) {
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (JacksonException e) {
            throw LlumnixException.invalid("", "Malformed JSON body: " + e.getOriginalMessage());
        }
        if (!(root instanceof ObjectNode body)) {
            throw LlumnixException.invalid("", "The request body must be a JSON object");
        }
        String model = "";
        JsonNode m = field(body, "model");
        if (m != null) {
            if (!m.isString()) {
                throw LlumnixException.invalid("model", "model must be a string");
            }
            model = m.stringValue();
        }
        boolean stream = bool(body, "stream", false, "stream");
        boolean includeUsage = false;
        JsonNode options = field(body, "stream_options");
        if (options != null) {
            if (!options.isObject()) {
                throw LlumnixException.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(options, "include_usage", false, "stream_options.include_usage");
        }
        boolean wantsIds = bool(body, "return_token_ids", false, "return_token_ids");
        String maxParam = endpoint == ClientRequest.Endpoint.CHAT_COMPLETIONS && field(body, "max_completion_tokens") != null
                ? "max_completion_tokens"
                : "max_tokens";
        OptionalInt maxTokens = OptionalInt.empty();
        JsonNode max = field(body, maxParam);
        if (max != null) {
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.intValue() < 1) {
                throw LlumnixException.invalid(maxParam, maxParam + " must be a positive integer, got " + max);
            }
            maxTokens = OptionalInt.of(max.intValue());
        }
        if (field(body, "priority") != null && !(body.get("priority").isIntegralNumber() && body.get("priority").canConvertToInt())) {
            throw LlumnixException.invalid("priority", "priority must be an integer, got " + body.get("priority"));
        }
        PromptTokenizer tokenizer = catalog.profile(model).tokenizer();
        int[] prompt = endpoint == ClientRequest.Endpoint.CHAT_COMPLETIONS
                ? tokenizer.encodeChat(body.get("messages"))
                : completionPrompt(tokenizer, body.get("prompt"));
        return new ClientRequest(endpoint, body, model, stream, includeUsage, wantsIds, prompt, maxTokens, maxParam, priority, bytes);
    }

    private static int[] completionPrompt(PromptTokenizer tokenizer, JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw LlumnixException.invalid("prompt", "prompt is required");
        }
        if (prompt.isString()) {
            return tokenizer.encodeCompletion(prompt.stringValue());
        }
        if (prompt.isArray() && !prompt.isEmpty()) {
            JsonNode first = prompt.get(0);
            if (first.isString() || first.isArray()) {
                if (prompt.size() != 1) {
                    throw LlumnixException.invalid("prompt", "only one prompt per request is supported, got " + prompt.size());
                }
                return completionPrompt(tokenizer, first);
            }
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = prompt.get(i);
                if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                    throw LlumnixException.invalid("prompt", "prompt[" + i + "] must be a token id, got " + t);
                }
                ids[i] = t.intValue();
            }
            return ids;
        }
        throw LlumnixException.invalid("prompt", "prompt must be a string or a non-empty array of token ids");
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private static boolean bool(JsonNode node, String name, boolean fallback, String param) {
        JsonNode v = field(node, name);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw LlumnixException.invalid(param, param + " must be a boolean, got " + v);
        }
        return v.booleanValue();
    }
}
