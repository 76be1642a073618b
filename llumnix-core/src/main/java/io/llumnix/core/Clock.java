package io.llumnix.core;

/**
 * The source of time for every piece of scheduling or engine logic. Production code reads the wall clock;
 * the simulator drives the very same code with a virtual clock, so nothing that decides may call
 * {@link System#nanoTime()} itself.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Clock {

    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** Wall-clock (or virtual epoch) milliseconds, for timestamps that leave the process. */
    long currentTimeMillis();

    /** The system clock. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /**
     * A clock that reads {@code nanos} (a counter a test or a simulation advances), with milliseconds derived from it:
     * {@code nanos / 1_000_000}. Thread-safe when {@code nanos} is.
     */
    static Clock ofNanos(java.util.function.LongSupplier nanos) {
        java.util.Objects.requireNonNull(nanos, "nanos is null");
        return new Clock() {
            @Override
            public long nanoTime() {
                return nanos.getAsLong();
            }

            @Override
            public long currentTimeMillis() {
                return nanos.getAsLong() / 1_000_000;
            }
        };
    }

    enum SystemClock implements Clock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    }
}
