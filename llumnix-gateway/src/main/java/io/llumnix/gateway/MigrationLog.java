package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent live migrations the gateway followed, newest first, for the cluster view ({@code GET /api/cluster}
 * and the dashboard). Bounded: the oldest entries fall off, so a long-running gateway holds a fixed amount.
 *
 * <p>Thread-safe: a short lock around an in-memory deque, never held across I/O.
 */
final class MigrationLog {

    /**
     * One followed migration.
     *
     * @param requestId the gateway's id of the request (stable across migrations and resumes)
     * @param fromInstanceId the instance the stream was read from
     * @param toInstanceId the instance it continues on (its address when the engine did not name it)
     * @param atMs when the gateway followed it (wall clock)
     */
    record Followed(String requestId, String fromInstanceId, String toInstanceId, long atMs) {
        Followed {
            requireNonNull(requestId, "requestId is null");
            requireNonNull(fromInstanceId, "fromInstanceId is null");
            requireNonNull(toInstanceId, "toInstanceId is null");
        }
    }

    private final int capacity;
    private final ArrayDeque<Followed> recent;
    private long total;

    MigrationLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(capacity);
    }

    void followed(String requestId, String fromInstanceId, String toInstanceId, long atMs) {
        Followed f = new Followed(requestId, fromInstanceId, toInstanceId, atMs);
        synchronized (recent) {
            if (recent.size() == capacity) {
                recent.removeLast();
            }
            recent.addFirst(f);
            total++;
        }
    }

    /** Newest first. */
    List<Followed> recent() {
        synchronized (recent) {
            return List.copyOf(new ArrayList<>(recent));
        }
    }

    long total() {
        synchronized (recent) {
            return total;
        }
    }
}
