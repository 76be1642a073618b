package io.llumnix.gateway;

import io.llumnix.core.ErrorCode;
import io.vertx.core.http.HttpServerResponse;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** OpenAI error objects ({@code {"error":{"message","type","param","code"}}}) from the {@link ErrorCode} enum. */
final class OpenAiErrors {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private OpenAiErrors() {}

    static String body(ErrorCode code, String message, Optional<String> param) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", code.openAiType());
        if (param.isPresent()) {
            error.put("param", param.get());
        } else {
            error.putNull("param");
        }
        error.put("code", code.openAiCode());
        return JSON.writeValueAsString(root);
    }

    /**
     * Answers with the error unless the response already started (then the stream is cut: the status is gone,
     * and a truncated stream is the only honest signal left). Returns the status sent.
     */
    static int send(HttpServerResponse resp, ErrorCode code, String message, Optional<String> param) {
        if (resp.ended() || resp.closed()) {
            return code.httpStatus();
        }
        if (resp.headWritten()) {
            resp.reset();
            return code.httpStatus();
        }
        resp.setStatusCode(code.httpStatus()).putHeader("Content-Type", "application/json").end(body(code, message, param));
        return code.httpStatus();
    }

    static int send(HttpServerResponse resp, ErrorCode code, String message) {
        return send(resp, code, message, Optional.empty());
    }
}
