package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.FinishReason;
import io.llumnix.engine.RequestEvent;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds OpenAI response bodies and stream chunks for one request: {@code text_completion} /
 * {@code chat.completion} objects and their {@code .chunk} counterparts, in the shapes the official SDKs
 * parse.
 *
 * <p>Immutable and thread-safe.
 */
final class OpenAiResponses {

    private final JsonMapper mapper;
    private final ApiRequest.Kind kind;
    private final String id;
    private final long created;
    private final String model;

    OpenAiResponses(JsonMapper mapper, ApiRequest.Kind kind, String id, long createdEpochSeconds, String model) {
        this.mapper = requireNonNull(mapper, "mapper is null");
        this.kind = requireNonNull(kind, "kind is null");
        this.id = requireNonNull(id, "id is null");
        this.created = createdEpochSeconds;
        this.model = requireNonNull(model, "model is null");
    }

    /** The non-streaming answer. */
    String complete(String text, FinishReason reason, Usage usage, Optional<TokenIds> tokenIds) {
        ObjectNode root = header(kind == ApiRequest.Kind.CHAT ? "chat.completion" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (kind == ApiRequest.Kind.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            message.putNull("refusal");
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", reason.openAiName());
        tokenIds.ifPresent(ids -> {
            putInts(choice.putArray("prompt_token_ids"), ids.prompt());
            putInts(choice.putArray("token_ids"), ids.generated());
        });
        usage.putInto(root.putObject("usage"));
        return mapper.writeValueAsString(root);
    }

    /** The chat stream's opening chunk that announces the assistant role. */
    String roleChunk() {
        ObjectNode root = header("chat.completion.chunk");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return mapper.writeValueAsString(root);
    }

    /** A chunk carrying {@code text} and, on the last one, the finish reason. */
    String chunk(String text, Optional<FinishReason> reason, Optional<int[]> tokenIds, boolean includeUsageField) {
        ObjectNode root = header(kind == ApiRequest.Kind.CHAT ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (kind == ApiRequest.Kind.CHAT) {
            ObjectNode delta = choice.putObject("delta");
            if (!text.isEmpty() || reason.isEmpty()) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        if (reason.isPresent()) {
            choice.put("finish_reason", reason.get().openAiName());
        } else {
            choice.putNull("finish_reason");
        }
        tokenIds.ifPresent(ids -> putInts(choice.putArray("token_ids"), ids));
        if (includeUsageField) {
            root.putNull("usage");
        }
        return mapper.writeValueAsString(root);
    }

    /** The extra last chunk of {@code stream_options.include_usage}: no choices, just usage. */
    String usageChunk(Usage usage) {
        ObjectNode root = header(kind == ApiRequest.Kind.CHAT ? "chat.completion.chunk" : "text_completion");
        root.putArray("choices");
        usage.putInto(root.putObject("usage"));
        return mapper.writeValueAsString(root);
    }

    /** Where a migrated request continues: {@code request_id}, {@code dst_instance_id}, {@code dst_address}, {@code next_index}. */
    String migrated(RequestEvent.Migrated m) {
        return mapper.writeValueAsString(migratedNode(m));
    }

    /** The non-streaming form: an error object of type {@code migrated} with the same fields under {@code migrated}. */
    String migratedError(RequestEvent.Migrated m) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", "the request migrated to instance " + m.dstInstanceId() + "; re-attach there");
        error.put("type", "migrated");
        error.putNull("param");
        error.put("code", "migrated");
        root.set("migrated", migratedNode(m));
        return mapper.writeValueAsString(root);
    }

    private ObjectNode migratedNode(RequestEvent.Migrated m) {
        ObjectNode node = mapper.createObjectNode();
        node.put("request_id", m.requestId());
        node.put("dst_instance_id", m.dstInstanceId());
        node.put("dst_address", m.dstAddress());
        node.put("next_index", m.nextIndex());
        return node;
    }

    String error(OpenAiError error) {
        return mapper.writeValueAsString(error.toJson(mapper));
    }

    private ObjectNode header(String object) {
        ObjectNode root = mapper.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    private static void putInts(ArrayNode array, int[] values) {
        for (int v : values) {
            array.add(v);
        }
    }

    /** OpenAI's {@code usage} object. */
    record Usage(int promptTokens, int completionTokens) {

        void putInto(ObjectNode node) {
            node.put("prompt_tokens", promptTokens);
            node.put("completion_tokens", completionTokens);
            node.put("total_tokens", promptTokens + completionTokens);
        }
    }

    /** Prompt and generated token ids, for {@code return_token_ids}. */
    record TokenIds(int[] prompt, int[] generated) {}
}
