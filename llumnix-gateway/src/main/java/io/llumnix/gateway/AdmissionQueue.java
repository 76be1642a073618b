package io.llumnix.gateway;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Bounds the requests a gateway forwards at once. Beyond {@code maxInFlight} a request waits in a queue ordered
 * by priority class (high first), then arrival; beyond {@code maxQueued} waiting requests it is refused, and the
 * front door answers 429. Every admitted request must {@link #leave()} exactly once.
 *
 * <p>Thread-safe; the monitor is held only for queue operations, and admission callbacks run outside it.
 */
final class AdmissionQueue {

    /** What became of a request that asked to enter. */
    enum Outcome {
        ADMITTED,
        QUEUED,
        REFUSED
    }

    /** A queued request; {@link #cancel(Waiter)} removes it if it is still waiting. */
    static final class Waiter {
        private final int priority;
        private final long seq;
        private final Runnable onAdmitted;

        private Waiter(int priority, long seq, Runnable onAdmitted) {
            this.priority = priority;
            this.seq = seq;
            this.onAdmitted = onAdmitted;
        }
    }

    private final int maxInFlight;
    private final int maxQueued;
    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>(
            Comparator.comparingInt((Waiter w) -> -w.priority).thenComparingLong(w -> w.seq));
    private int inFlight;
    private long nextSeq;

    AdmissionQueue(int maxInFlight, int maxQueued) {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxInFlight must be positive and maxQueued non-negative: " + maxInFlight + ", " + maxQueued);
        }
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
    }

    /**
     * Admits the request now ({@link Outcome#ADMITTED}; {@code onAdmitted} is not called), queues it
     * ({@code onAdmitted} runs once a slot frees; {@code holder[0]} receives its waiter) or refuses it.
     */
    Outcome enter(int priority, Runnable onAdmitted, Waiter[] holder) {
        synchronized (this) {
            if (inFlight < maxInFlight && waiting.isEmpty()) {
                inFlight++;
                return Outcome.ADMITTED;
            }
            if (waiting.size() >= maxQueued) {
                return Outcome.REFUSED;
            }
            Waiter w = new Waiter(priority, nextSeq++, onAdmitted);
            waiting.add(w);
            holder[0] = w;
            return Outcome.QUEUED;
        }
    }

    /** Removes a waiter that gave up; false when it was already admitted (it must then leave). */
    synchronized boolean cancel(Waiter waiter) {
        return waiting.remove(waiter);
    }

    /** An admitted request finished: its slot goes to the best waiter, if any. */
    void leave() {
        Waiter next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                if (inFlight <= 0) {
                    throw new IllegalStateException("leave() without an admitted request");
                }
                inFlight--;
                return;
            }
            // The slot passes straight to the waiter: inFlight is unchanged.
        }
        next.onAdmitted.run();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int queued() {
        return waiting.size();
    }
}
