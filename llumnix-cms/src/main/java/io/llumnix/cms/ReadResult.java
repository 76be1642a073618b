package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of a bulk read from the store: either the value, or the fact that the store could not be
 * reached. Lets a reader keep its last good view on an outage instead of mistaking it for an empty cluster.
 *
 * @param <T> the value read
 */
public sealed interface ReadResult<T> {

    /** The store answered. */
    record Ok<T>(T value) implements ReadResult<T> {
        public Ok {
            requireNonNull(value, "value is null");
        }
    }

    /** The store could not be read; {@code reason} says why, for logs. */
    record Unavailable<T>(String reason) implements ReadResult<T> {
        public Unavailable {
            requireNonNull(reason, "reason is null");
        }
    }

    static <T> ReadResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> ReadResult<T> unavailable(String reason) {
        return new Unavailable<>(reason);
    }
}
