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
