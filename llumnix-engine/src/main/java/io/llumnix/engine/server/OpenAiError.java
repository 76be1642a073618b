package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One error as the OpenAI API reports it: {@code {"error":{"message","type","param","code"}}} with an HTTP
 * status. Built from the {@link ErrorCode} enum.
 */
record OpenAiError(int httpStatus, String message, String type, Optional<String> param, String code) {

    OpenAiError {
        requireNonNull(message, "message is null");
        requireNonNull(type, "type is null");
        requireNonNull(param, "param is null");
        requireNonNull(code, "code is null");
    }

    static OpenAiError of(ErrorCode code, String message) {
        return new OpenAiError(code.httpStatus(), message, code.openAiType(), Optional.empty(), code.openAiCode());
    }

    static OpenAiError of(ErrorCode code, String message, String param) {
        return new OpenAiError(code.httpStatus(), message, code.openAiType(), Optional.of(param), code.openAiCode());
    }

    static OpenAiError of(LlumnixException e) {
        ErrorCode code = e.code();
        return new OpenAiError(code.httpStatus(), String.valueOf(e.getMessage()), code.openAiType(), e.param(), code.openAiCode());
    }

    static OpenAiError methodNotAllowed(String method, String path) {
        return of(new LlumnixException(ErrorCode.METHOD_NOT_ALLOWED, "Method " + method + " is not allowed on " + path));
    }

    ObjectNode toJson(JsonMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        if (param.isPresent()) {
            error.put("param", param.get());
        } else {
            error.putNull("param");
        }
        error.put("code", code);
        return root;
    }
}
