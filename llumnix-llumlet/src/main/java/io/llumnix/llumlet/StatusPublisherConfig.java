package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a llumlet publishes its instance to the cluster meta store. Flag names mirror the scheduler's
 * {@code --cms-pull-*} flags. Immutable; the constructor refuses invalid values naming the flag.
 *
 * @param pushStatusInterval {@code --cms-push-status-interval-ms}: at most one status per interval (the throttle)
 *     while engine steps change the load; the last change is always published, at most one interval late
 * @param pollInterval how often the publisher looks at the engine's latest snapshot
 * @param statusTtl {@code --cms-status-ttl-ms}: a status not refreshed within this expires
 * @param pushMetadataInterval {@code --cms-push-metadata-interval-ms}: the metadata heartbeat; an unchanged
 *     status is also re-put at this period so that it stays live and fresh
 * @param metadataTtl {@code --cms-metadata-ttl-ms}: an instance whose heartbeat stops ages out after this
 * @param engineStallTimeout {@code --engine-stall-timeout-ms}: an engine with work whose step counter has not
 *     moved for this long is published unschedulable until it steps again
 */
public record StatusPublisherConfig(
        Duration pushStatusInterval,
        Duration pollInterval,
        Duration statusTtl,
        Duration pushMetadataInterval,
        Duration metadataTtl,
        Duration engineStallTimeout) {

    public StatusPublisherConfig {
        positive("--cms-push-status-interval-ms", pushStatusInterval);
        positive("status poll interval", pollInterval);
        positive("--cms-status-ttl-ms", statusTtl);
        positive("--cms-push-metadata-interval-ms", pushMetadataInterval);
        positive("--cms-metadata-ttl-ms", metadataTtl);
        positive("--engine-stall-timeout-ms", engineStallTimeout);
        if (metadataTtl.compareTo(pushMetadataInterval) <= 0) {
            throw new IllegalArgumentException("--cms-metadata-ttl-ms (" + metadataTtl.toMillis()
                    + ") must exceed --cms-push-metadata-interval-ms (" + pushMetadataInterval.toMillis()
                    + "), or a live instance would flicker out of the store");
        }
        if (statusTtl.compareTo(pushMetadataInterval) <= 0) {
            throw new IllegalArgumentException("--cms-status-ttl-ms (" + statusTtl.toMillis()
                    + ") must exceed --cms-push-metadata-interval-ms (" + pushMetadataInterval.toMillis()
                    + "), the period at which an idle instance re-puts its status");
        }
    }

    /** 40 ms throttle, 2 ms poll, 1 s heartbeat, 10 s TTLs, 5 s stall timeout. */
    public static StatusPublisherConfig defaults() {
        return new StatusPublisherConfig(Duration.ofMillis(40), Duration.ofMillis(2), Duration.ofSeconds(10), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    public StatusPublisherConfig withPushStatusInterval(Duration d) {
        return new StatusPublisherConfig(d, pollInterval, statusTtl, pushMetadataInterval, metadataTtl, engineStallTimeout);
    }

    public StatusPublisherConfig withHeartbeat(Duration interval, Duration ttl) {
        return new StatusPublisherConfig(pushStatusInterval, pollInterval, ttl, interval, ttl, engineStallTimeout);
    }

    public StatusPublisherConfig withEngineStallTimeout(Duration d) {
        return new StatusPublisherConfig(pushStatusInterval, pollInterval, statusTtl, pushMetadataInterval, metadataTtl, d);
    }

    private static void positive(String flag, Duration d) {
        requireNonNull(d, flag + " is null");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(flag + " must be positive, got " + d.toMillis() + " ms");
        }
    }
}
