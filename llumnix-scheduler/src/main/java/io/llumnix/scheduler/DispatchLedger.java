package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Instant and accurate load": requests the scheduler has dispatched but that an instance's status does not
 * show yet. Without it, every decision between two status updates would see the same loads and pile onto
 * the same instance. Each dispatch adds its request and prompt tokens to the destination's in-flight
 * counters; the entry leaves the ledger when
 * <ul>
 *   <li>a status of that instance lists the request among its waiting or recently waiting ids (the status
 *       now counts it: {@link #reconcile(ClusterSnapshot)}),</li>
 *   <li>the request completes or fails ({@link #release(String)}) — in lite mode this is the only way, and it
 *       happens on completion whatever the reporting interval, or</li>
 *   <li>in full mode, it is older than {@code staleAfter} (its instance never reported it: lost).</li>
 * </ul>
 *
 * <p>Thread-safe and lock-free: a {@link ConcurrentHashMap} of entries plus atomic per-instance counters.
 */
public final class DispatchLedger {

    private record Entry(String instanceId, long tokens, long dispatchedAtNanos, InFlight counter) {}

    private final Clock clock;
    private final long staleAfterNanos;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, InFlight> counters = new ConcurrentHashMap<>();

    /**
     * @param staleAfter how long an entry for an instance that publishes status may stay unreconciled
     *     ({@code --request-local-account-staleness-ms})
     */
    public DispatchLedger(Clock clock, Duration staleAfter) {
        this.clock = requireNonNull(clock, "clock is null");
        if (staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("--request-local-account-staleness-ms must be positive: " + staleAfter);
        }
        this.staleAfterNanos = staleAfter.toNanos();
    }

    /** Records that {@code requestId} was sent to {@code instanceId}; a re-dispatch replaces the old entry. */
    public void record(String requestId, String instanceId, long promptTokens) {
        requireNonNull(requestId, "requestId is null");
        record(requestId, instanceId, promptTokens, counter(instanceId));
    }

    void record(String requestId, String instanceId, long promptTokens, InFlight counter) {
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens is negative: " + promptTokens);
        }
        counter.add(1, promptTokens);
        Entry previous = entries.put(requestId, new Entry(instanceId, promptTokens, clock.nanoTime(), counter));
        if (previous != null) {
            previous.counter().add(-1, -previous.tokens());
        }
    }

    /** Forgets a request (completed, failed, aborted). Returns whether it was still in flight. */
    public boolean release(String requestId) {
        Entry e = entries.remove(requireNonNull(requestId, "requestId is null"));
        if (e == null) {
            return false;
        }
        e.counter().add(-1, -e.tokens());
        return true;
    }

    /**
     * Drops the entries the snapshot's statuses now account for, and stale entries of instances that publish
     * status. Returns how many entries were dropped.
     */
    public int reconcile(ClusterSnapshot snapshot) {
        int dropped = 0;
        for (InstanceView v : snapshot.instances()) {
            Optional<InstanceStatus> s = v.status();
            if (s.isPresent()) {
                dropped += drop(s.get().waitingRequestIds(), v.instanceId());
                dropped += drop(s.get().recentWaitingRequestIds(), v.instanceId());
            }
        }
        if (!entries.isEmpty()) {
            long now = clock.nanoTime();
            for (Map.Entry<String, Entry> me : entries.entrySet()) {
                Entry e = me.getValue();
                if (now - e.dispatchedAtNanos() > staleAfterNanos) {
                    Optional<InstanceView> v = snapshot.find(e.instanceId());
                    if (v.isPresent() && v.get().status().isPresent() && entries.remove(me.getKey(), e)) {
                        e.counter().add(-1, -e.tokens());
                        dropped++;
                    }
                }
            }
        }
        return dropped;
    }

    private int drop(List<String> requestIds, String instanceId) {
        int dropped = 0;
        for (String id : requestIds) {
            dropped += dropOne(id, instanceId) + dropOne(decodeKey(id), instanceId);
        }
        return dropped;
    }

    private int dropOne(String key, String instanceId) {
        Entry e = entries.get(key);
        if (e != null && e.instanceId().equals(instanceId) && entries.remove(key, e)) {
            e.counter().add(-1, -e.tokens());
            return 1;
        }
        return 0;
    }

    /**
     * The key of a request's decode placement under prefill/decode disaggregation (its prefill placement is keyed by
     * the request id): when the decode instance's status names the request, both placements are accounted for.
     */
    public static String decodeKey(String requestId) {
        return requestId + "#decode";
    }

    /** Requests in flight to the instance. */
    public long inFlightRequests(String instanceId) {
        InFlight c = counters.get(instanceId);
        return c == null ? 0 : c.requests();
    }

    /** Prompt tokens in flight to the instance. */
    public long inFlightTokens(String instanceId) {
        InFlight c = counters.get(instanceId);
        return c == null ? 0 : c.tokens();
    }

    /** The instance a request is in flight to, if it is. */
    public Optional<String> instanceOf(String requestId) {
        Entry e = entries.get(requestId);
        return e == null ? Optional.empty() : Optional.of(e.instanceId());
    }

    /** Number of requests in flight. */
    public int size() {
        return entries.size();
    }

    /** The counters a snapshot's decisions read, aligned with its indices. */
    InFlight[] bind(ClusterSnapshot snapshot) {
        InFlight[] bound = new InFlight[snapshot.size()];
        for (int i = 0; i < bound.length; i++) {
            bound[i] = counter(snapshot.id(i));
        }
        return bound;
    }

    InFlight counter(String instanceId) {
        return counters.computeIfAbsent(requireNonNull(instanceId, "instanceId is null"), k -> new InFlight());
    }
}
