package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key limits on requests and tokens per minute, as token buckets that refill continuously (a key with
 * {@code rpm=60} may burst 60 requests, then one per second). Tokens are charged in two parts: the prompt when the
 * request is admitted (refused when the bucket cannot cover it), the completion when it ends (which may drive the
 * bucket negative, so the next request waits until the debt is repaid).
 *
 * <p>Thread-safe: each bucket is updated under its own monitor, held for a few arithmetic operations.
 */
final class RateLimiter {

    private static final long MINUTE_NANOS = 60_000_000_000L;

    /** Admitted, or refused with the seconds after which a retry can succeed. */
    record Verdict(boolean admitted, long retryAfterSeconds, String limit) {
        static final Verdict ADMITTED = new Verdict(true, 0, "");
    }

    private static final class Bucket {
        private final double capacity;
        private final double perNano;
        private double level;
        private long updatedNanos;

        Bucket(long perMinute, long now) {
            this.capacity = perMinute;
            this.perNano = perMinute / (double) MINUTE_NANOS;
            this.level = perMinute;
            this.updatedNanos = now;
        }

        /**
         * Takes {@code amount} if available (or, with {@code force}, regardless); else the nanos until it would be.
         * An amount above the capacity is taken from a full bucket (which then owes the rest), so no request is
         * refused forever.
         */
        synchronized long take(double amount, boolean force, long now) {
            level = Math.min(capacity, level + (now - updatedNanos) * perNano);
            updatedNanos = now;
            double needed = Math.min(amount, capacity);
            if (force || level >= needed) {
                level -= amount;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((needed - level) / perNano));
        }
    }

    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> requestBuckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Bucket> tokenBuckets = new ConcurrentHashMap<>();

    RateLimiter(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Charges one request and {@code promptTokens} to the key. */
    Verdict admit(ApiKeys.Key key, int promptTokens) {
        long now = clock.nanoTime();
        if (key.requestsPerMinute() > 0) {
            long wait = requestBuckets.computeIfAbsent(key.key(), k -> new Bucket(key.requestsPerMinute(), now)).take(1, false, now);
            if (wait > 0) {
                return new Verdict(false, seconds(wait), "requests per minute (" + key.requestsPerMinute() + ")");
            }
        }
        if (key.tokensPerMinute() > 0) {
            long wait = tokenBuckets.computeIfAbsent(key.key(), k -> new Bucket(key.tokensPerMinute(), now)).take(promptTokens, false, now);
            if (wait > 0) {
                return new Verdict(false, seconds(wait), "tokens per minute (" + key.tokensPerMinute() + ")");
            }
        }
        return Verdict.ADMITTED;
    }

    /** Charges the completion's tokens once the request ended. */
    void chargeCompletion(ApiKeys.Key key, int completionTokens) {
        if (key.tokensPerMinute() > 0 && completionTokens > 0) {
            long now = clock.nanoTime();
            tokenBuckets.computeIfAbsent(key.key(), k -> new Bucket(key.tokensPerMinute(), now)).take(completionTokens, true, now);
        }
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
