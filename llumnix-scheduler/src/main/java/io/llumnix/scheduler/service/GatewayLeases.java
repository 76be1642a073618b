package io.llumnix.scheduler.service;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.scheduler.DispatchLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which gateway dispatched which in-flight request, and when each gateway was last heard from. A gateway that
 * stays silent longer than the lease timeout is presumed dead: {@link #reap()} releases its requests from the
 * dispatch ledger (otherwise they would count as load until the ledger's staleness, and forever in lite mode).
 *
 * <p>Thread-safe: concurrent maps and sets; a lease's timestamp is volatile.
 */
final class GatewayLeases {

    private static final class Lease {
        volatile long lastSeenNanos;
        final Set<String> requestIds = ConcurrentHashMap.newKeySet();

        Lease(long now) {
            this.lastSeenNanos = now;
        }
    }

    private final DispatchLedger ledger;
    private final Clock clock;
    private final long timeoutNanos;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    GatewayLeases(DispatchLedger ledger, Clock clock, long timeoutNanos) {
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.timeoutNanos = timeoutNanos;
    }

    /** The gateway is alive; returns how many requests it holds. */
    int touch(String gatewayId) {
        return lease(gatewayId).requestIds.size();
    }

    void dispatched(String gatewayId, String requestId) {
        lease(gatewayId).requestIds.add(requestId);
    }

    void released(String gatewayId, String requestId) {
        Lease l = leases.get(gatewayId);
        if (l != null) {
            l.lastSeenNanos = clock.nanoTime();
            l.requestIds.remove(requestId);
        }
    }

    /**
     * Releases every request of every gateway whose lease expired and forgets those gateways; forgets requests the
     * ledger no longer holds (reconciled by a status). Returns the ids released.
     */
    List<String> reap() {
        long now = clock.nanoTime();
        List<String> released = new ArrayList<>();
        for (Map.Entry<String, Lease> e : leases.entrySet()) {
            Lease l = e.getValue();
            if (now - l.lastSeenNanos > timeoutNanos) {
                if (leases.remove(e.getKey(), l)) {
                    for (String id : l.requestIds) {
                        if (ledger.release(id)) {
                            released.add(id);
                        }
                    }
                }
            } else {
                l.requestIds.removeIf(id -> ledger.instanceOf(id).isEmpty());
            }
        }
        return released;
    }

    int gateways() {
        return leases.size();
    }

    private Lease lease(String gatewayId) {
        long now = clock.nanoTime();
        Lease l = leases.computeIfAbsent(gatewayId, g -> new Lease(now));
        l.lastSeenNanos = now;
        return l;
    }
}
