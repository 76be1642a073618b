package io.llumnix.engine.server;

import io.llumnix.core.LlumnixException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Turns chat {@code messages} into prompt text for a plain continuation model such as stories260K, which
 * was never trained on a chat format.
 *
 * <p>The template: the text contents of all messages, in order and whatever their role, joined with one
 * {@code "\n"}; roles are not rendered and nothing is appended. The result is tokenized like a completion
 * prompt (BOS and the llama2.c dummy-prefix space), so a single user message {@code "Once upon a time"}
 * is exactly the completion prompt {@code "Once upon a time"} and the assistant's reply is its
 * continuation. A message's {@code content} is a string, an array of {@code {"type":"text","text":…}}
 * parts (concatenated), or null (skipped, e.g. an assistant turn that only called tools).
 *
 * <p>Public so that a gateway renders the same prompt text (and so the same token ids) as the engine will.
 *
 * <p>Stateless and thread-safe.
 */
public final class ChatTemplate {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private ChatTemplate() {}

    /** The prompt text of {@code messages}; throws {@link LlumnixException} (invalid request) naming the bad field. */
    public static String render(JsonNode messages) {
        if (messages == null || messages.isMissingNode() || messages.isNull()) {
            throw LlumnixException.invalid("messages", "messages is required");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw LlumnixException.invalid("messages", "messages must be a non-empty array");
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String where = "messages[" + i + "]";
            if (!message.isObject()) {
                throw LlumnixException.invalid(where, where + " must be an object");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isString() || !ROLES.contains(role.stringValue())) {
                throw LlumnixException.invalid(where + ".role", where + ".role must be one of " + ROLES.stream().sorted().toList());
            }
            JsonNode content = message.get("content");
            if (content == null || content.isNull()) {
                continue;
            }
            if (content.isString()) {
                parts.add(content.stringValue());
            } else if (content.isArray()) {
                StringBuilder text = new StringBuilder();
                for (int j = 0; j < content.size(); j++) {
                    JsonNode part = content.get(j);
                    JsonNode type = part.get("type");
                    JsonNode partText = part.get("text");
                    if (type == null || !type.isString() || !"text".equals(type.stringValue()) || partText == null || !partText.isString()) {
                        throw LlumnixException.invalid(where + ".content",
                                where + ".content[" + j + "] must be a text part {\"type\":\"text\",\"text\":...}; this model reads text only");
                    }
                    text.append(partText.stringValue());
                }
                parts.add(text.toString());
            } else {
                throw LlumnixException.invalid(where + ".content", where + ".content must be a string, an array of text parts or null");
            }
        }
        return String.join("\n", parts);
    }
}
