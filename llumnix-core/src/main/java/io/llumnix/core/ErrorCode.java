package io.llumnix.core;

/**
 * Every failure a user can see, with the HTTP status and OpenAI error {@code type} it maps to. One enum
 * so that the HTTP front doors and the gRPC services report the same failure the same way.
 */
public enum ErrorCode {
    INVALID_REQUEST(400, "invalid_request_error"),
    CONTEXT_LENGTH_EXCEEDED(400, "invalid_request_error"),
    UNAUTHORIZED(401, "authentication_error"),
    /** 400 rather than OpenAI's 404: an unknown model is a fault of the request body, like any other field. */
    MODEL_NOT_FOUND(400, "invalid_request_error"),
    NOT_FOUND(404, "invalid_request_error"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error"),
    REQUEST_TOO_LARGE(413, "invalid_request_error"),
    RATE_LIMITED(429, "rate_limit_error"),
    OVERLOADED(503, "server_error"),
    UPSTREAM_UNAVAILABLE(502, "server_error"),
    TIMEOUT(504, "server_error"),
    INTERNAL(500, "server_error");

    private final int httpStatus;
    private final String openAiType;

    ErrorCode(int httpStatus, String openAiType) {
        this.httpStatus = httpStatus;
        this.openAiType = openAiType;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The OpenAI error object's {@code type} field. */
    public String openAiType() {
        return openAiType;
    }

    /** The OpenAI error object's {@code code} field: the enum name in lower case. */
    public String openAiCode() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
