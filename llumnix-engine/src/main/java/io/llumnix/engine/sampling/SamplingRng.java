package io.llumnix.engine.sampling;

/**
 * A request's own random number generator: xorshift64* (as llama2.c's run.c), with its whole state in one
 * {@code long} so that it can be saved, migrated to another instance with the request, and resumed there —
 * a seeded request samples the same tokens wherever it runs.
 *
 * <p>Not thread-safe; owned by one request.
 */
public final class SamplingRng {

    private long state;

    private SamplingRng(long state) {
        this.state = state;
    }

    /** A generator seeded from {@code seed} (any value, zero included). */
    public static SamplingRng seeded(long seed) {
        long s = splitMix(seed);
        return new SamplingRng(s == 0 ? 0x2545F4914F6CDD1DL : s);
    }

    /** Restores a generator from {@link #state()}. */
    public static SamplingRng restore(long state) {
        if (state == 0) {
            throw new IllegalArgumentException("xorshift state must be non-zero");
        }
        return new SamplingRng(state);
    }

    public long state() {
        return state;
    }

    /** Next 32 random bits. */
    public int nextInt32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** Uniform in [0, 1). */
    public float nextFloat() {
        return (nextInt32() >>> 8) / 16777216.0f;
    }

    /** SplitMix64 finaliser: spreads a seed or counter over all 64 bits. */
    public static long splitMix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
