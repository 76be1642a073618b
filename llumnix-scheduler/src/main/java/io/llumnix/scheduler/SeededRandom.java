package io.llumnix.scheduler;

import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A seeded SplitMix64 generator that many threads may share without a lock: each {@link #nextLong()}
 * advances one atomic counter and mixes it. The sequence of values handed out is fixed by the seed; which
 * caller receives which value depends only on the order of calls, so a single-threaded run (the simulator, a
 * test) is reproducible from its seed.
 */
public final class SeededRandom implements RandomGenerator {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final AtomicLong state;

    public SeededRandom(long seed) {
        this.state = new AtomicLong(seed);
    }

    @Override
    public long nextLong() {
        long z = state.addAndGet(GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
