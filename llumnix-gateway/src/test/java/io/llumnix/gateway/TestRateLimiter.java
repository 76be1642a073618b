package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TestRateLimiter {

    private final AtomicLong nanos = new AtomicLong();
    private final Clock clock = Clock.ofNanos(nanos::get);

    @Test
    void requestsPerMinute_refill_continuously() {
        RateLimiter limiter = new RateLimiter(clock);
        ApiKeys.Key key = new ApiKeys.Key("sk", "k", 60, 0);
        for (int i = 0; i < 60; i++) {
            assertThat(limiter.admit(key, 0).admitted()).isTrue();
        }
        RateLimiter.Verdict refused = limiter.admit(key, 0);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);

        nanos.addAndGet(1_000_000_000L);
        assertThat(limiter.admit(key, 0).admitted()).isTrue();
    }

    @Test
    void completionTokens_areOwed_andDelayTheNextRequest() {
        RateLimiter limiter = new RateLimiter(clock);
        ApiKeys.Key key = new ApiKeys.Key("sk", "k", 0, 600);
        assertThat(limiter.admit(key, 100).admitted()).isTrue();
        limiter.chargeCompletion(key, 700); // 600 - 100 - 700 = -200 tokens

        RateLimiter.Verdict refused = limiter.admit(key, 10);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(21); // 210 tokens at 10 per second

        nanos.addAndGet(21_000_000_000L);
        assertThat(limiter.admit(key, 10).admitted()).isTrue();
    }

    @Test
    void promptLargerThanTheWholeBudget_passesOnlyFromAFullBucket() {
        RateLimiter limiter = new RateLimiter(clock);
        ApiKeys.Key key = new ApiKeys.Key("sk", "k", 0, 60);
        assertThat(limiter.admit(key, 100).admitted()).isTrue();
        assertThat(limiter.admit(key, 100).admitted()).isFalse();
    }
}
