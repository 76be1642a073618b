package io.llumnix.cms;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs backend failures at WARN at most once per interval (the rest at DEBUG), so that an outage of the
 * store produces a readable log instead of one line per call. Thread-safe.
 */
final class FailureLog {

    private static final long INTERVAL_NANOS = 5_000_000_000L;

    private final Logger log;
    private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    FailureLog(Logger log) {
        this.log = log;
    }

    void failure(String operation, Throwable cause) {
        long now = System.nanoTime();
        long last = lastWarnNanos.get();
        if (now - last >= INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
            long skipped = suppressed.getAndSet(0);
            log.warn("cluster meta store {} failed ({} similar failures suppressed): {}", operation, skipped,
                    cause.toString());
        } else {
            suppressed.incrementAndGet();
            log.debug("cluster meta store {} failed", operation, cause);
        }
    }
}
