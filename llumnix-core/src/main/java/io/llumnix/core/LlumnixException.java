package io.llumnix.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A failure a user can see: carries the {@link ErrorCode} and, where one input was at fault, the name of
 * that parameter (OpenAI's {@code param}).
 */
public final class LlumnixException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String param;

    public LlumnixException(ErrorCode code, String message) {
        this(code, message, "");
    }

    public LlumnixException(ErrorCode code, String message, String param) {
        super(requireNonNull(message, "message is null"));
        this.code = requireNonNull(code, "code is null");
        this.param = requireNonNull(param, "param is null");
    }

    public ErrorCode code() {
        return code;
    }

    /** The offending request parameter, when one is to blame. */
    public Optional<String> param() {
        return param.isEmpty() ? Optional.empty() : Optional.of(param);
    }

    public static LlumnixException invalid(String param, String message) {
        return new LlumnixException(ErrorCode.INVALID_REQUEST, message, param);
    }
}
