package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The embedded cluster meta store, used when everything runs in one JVM (and by the simulator, on its
 * virtual clock). Entries expire by the injected {@link Clock}: an expired entry is invisible to reads and is
 * removed lazily.
 *
 * <p>Thread-safe and lock-free: each key is one {@link ConcurrentHashMap} entry holding an immutable value.
 * Never fails, except after {@link #close()}, after which it behaves like an unreachable backend.
 */
public final class InMemoryClusterMetaStore implements ClusterMetaStore {

    private record Expiring<T>(T value, long expiresAtNanos) {}

    private final Clock clock;
    private final ConcurrentMap<String, Expiring<InstanceMetadata>> metadata = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Expiring<InstanceStatus>> statuses = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public InMemoryClusterMetaStore(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public boolean putMetadata(InstanceMetadata value, Duration ttl) {
        requireNonNull(value, "metadata is null");
        long expiresAt = expiry(ttl);
        if (closed) {
            return false;
        }
        metadata.put(value.instanceId(), new Expiring<>(value, expiresAt));
        return true;
    }

    @Override
    public boolean putStatus(InstanceStatus value, Duration ttl) {
        requireNonNull(value, "status is null");
        long expiresAt = expiry(ttl);
        if (closed) {
            return false;
        }
        statuses.put(value.instanceId(), new Expiring<>(value, expiresAt));
        return true;
    }

    @Override
    public Optional<InstanceMetadata> getMetadata(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        return closed ? Optional.empty() : live(metadata, instanceId, clock.nanoTime());
    }

    @Override
    public Optional<InstanceStatus> getStatus(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        return closed ? Optional.empty() : live(statuses, instanceId, clock.nanoTime());
    }

    @Override
    public ReadResult<List<String>> listInstanceIds() {
        if (closed) {
            return ReadResult.unavailable("store is closed");
        }
        long now = clock.nanoTime();
        List<String> ids = new ArrayList<>();
        for (String id : metadata.keySet()) {
            if (live(metadata, id, now).isPresent()) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ReadResult.ok(List.copyOf(ids));
    }

    @Override
    public ReadResult<List<InstanceRecord>> listInstances() {
        if (closed) {
            return ReadResult.unavailable("store is closed");
        }
        long now = clock.nanoTime();
        List<InstanceRecord> records = new ArrayList<>();
        for (String id : metadata.keySet()) {
            live(metadata, id, now).ifPresent(m -> records.add(new InstanceRecord(m, live(statuses, id, now))));
        }
        // Purge statuses that outlived their metadata so the map cannot grow without bound.
        statuses.keySet().removeIf(id -> live(statuses, id, now).isEmpty());
        records.sort(java.util.Comparator.comparing(InstanceRecord::instanceId));
        return ReadResult.ok(List.copyOf(records));
    }

    @Override
    public boolean delete(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        if (closed) {
            return false;
        }
        metadata.remove(instanceId);
        statuses.remove(instanceId);
        return true;
    }

    @Override
    public void close() {
        closed = true;
        metadata.clear();
        statuses.clear();
    }

    private long expiry(Duration ttl) {
        ClusterMetaStore.checkTtl(requireNonNull(ttl, "ttl is null"));
        long nanos;
        try {
            nanos = ttl.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE / 2;
        }
        return clock.nanoTime() + nanos;
    }

    private static <T> Optional<T> live(ConcurrentMap<String, Expiring<T>> map, String key, long nowNanos) {
        Expiring<T> e = map.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (nowNanos - e.expiresAtNanos() >= 0) {
            map.remove(key, e); // only if not replaced meanwhile
            return Optional.empty();
        }
        return Optional.of(e.value());
    }
}
