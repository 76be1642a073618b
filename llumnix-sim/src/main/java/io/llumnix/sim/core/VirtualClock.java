package io.llumnix.sim.core;

import io.llumnix.core.Clock;

/**
 * Simulated time: a {@link Clock} that only moves when the simulator moves it. The cluster has one for the
 * scheduler, ledger and rescheduler; each simulated instance has its own, which its latency-model executor advances
 * by the modelled cost of every step (so the tokens a step emits carry the step's end time) and which the simulator
 * sets to the cluster time at each step boundary. Wall-clock milliseconds are nanoseconds since the start of the
 * run divided by a million (a virtual epoch at 0).
 *
 * <p>Thread-safe (a volatile field), though a simulation drives it from one thread.
 */
public final class VirtualClock implements Clock {

    private volatile long nanos;

    public VirtualClock() {
        this(0L);
    }

    public VirtualClock(long startNanos) {
        this.nanos = startNanos;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long currentTimeMillis() {
        return Math.floorDiv(nanos, 1_000_000L);
    }

    /** Moves time to {@code t}; time never goes backwards. */
    public void advanceTo(long t) {
        if (t < nanos) {
            throw new IllegalArgumentException("virtual time cannot go back from " + nanos + " to " + t + " ns");
        }
        nanos = t;
    }

    /** Moves time forward by {@code deltaNanos} (not negative). */
    public void advanceBy(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("cannot advance by a negative duration: " + deltaNanos + " ns");
        }
        nanos += deltaNanos;
    }
}
