package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceDiscovery;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.cms.ReadResult;
import java.util.List;
import java.util.function.Supplier;

/**
 * The instances a gateway knows of, for what the scheduler does not answer: the model list, health, and the
 * round robin the gateway falls back to while the scheduler is unreachable. Implementations are thread-safe and
 * cheap to call (cache what is expensive to read).
 */
@FunctionalInterface
public interface BackendDirectory {

    /** The instances currently known, in a stable order. */
    List<InstanceMetadata> instances();

    /** A fixed set. */
    static BackendDirectory of(List<InstanceMetadata> instances) {
        List<InstanceMetadata> copy = List.copyOf(instances);
        return () -> copy;
    }

    /** Whatever {@code supplier} lists at each call. */
    static BackendDirectory dynamic(Supplier<List<InstanceMetadata>> supplier) {
        requireNonNull(supplier, "supplier is null");
        return supplier::get;
    }

    /**
     * A discovery read at most once per {@code minIntervalMillis}; while it is unavailable the last list stays in
     * force (a Redis outage must not empty the gateway's view).
     */
    static BackendDirectory caching(InstanceDiscovery discovery, long minIntervalMillis) {
        requireNonNull(discovery, "discovery is null");
        return new BackendDirectory() {
            private volatile List<InstanceMetadata> last = List.of();
            private volatile long readAtNanos = Long.MIN_VALUE;

            @Override
            public List<InstanceMetadata> instances() {
                long now = System.nanoTime();
                if (readAtNanos == Long.MIN_VALUE || now - readAtNanos >= minIntervalMillis * 1_000_000L) {
                    readAtNanos = now;
                    if (discovery.discover() instanceof ReadResult.Ok<List<InstanceMetadata>> ok) {
                        last = List.copyOf(ok.value());
                    }
                }
                return last;
            }
        };
    }
}
