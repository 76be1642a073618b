package io.llumnix.cli;

/** A failure caused by the user's input (a missing file, a bad combination of flags); printed as one line. */
final class UserException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UserException(String message) {
        super(message);
    }

    UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
