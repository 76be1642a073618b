package io.llumnix.sim.core;

import java.util.PriorityQueue;

/**
 * Pending events ordered by time, then by the order they were scheduled: a deterministic total order, so a run is
 * reproducible from its seed. Not thread-safe (the event loop owns it).
 */
final class EventQueue {

    record Entry(long time, long seq, SimEvent event) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>(4096);
    private long nextSeq;

    void schedule(long time, SimEvent event) {
        queue.add(new Entry(time, nextSeq++, event));
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    Entry poll() {
        return queue.poll();
    }

    int size() {
        return queue.size();
    }
}
