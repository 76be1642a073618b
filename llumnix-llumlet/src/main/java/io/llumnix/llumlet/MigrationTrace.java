package io.llumnix.llumlet;

/**
 * A diagnostic of where a migration's downtime goes: with the environment variable {@code LLUMNIX_MIGRATION_TRACE=1}
 * both ends print one line per milestone of the last stage to standard error ({@code TRACE <label> <System.nanoTime()>
 * <request id> <thread>}). On one host the two processes share the monotonic clock, so the lines of source and
 * destination merge into one timeline (the source's {@code src.woke} line carries the detach time). Off by default;
 * when off it costs a branch on a constant.
 */
final class MigrationTrace {

    static final boolean ON = "1".equals(System.getenv("LLUMNIX_MIGRATION_TRACE"));

    private MigrationTrace() {}

    static void mark(String label, String id) {
        if (ON) {
            System.err.println("TRACE " + label + " " + System.nanoTime() + " " + id + " " + Thread.currentThread().getName());
        }
    }
}
