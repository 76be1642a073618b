package io.llumnix.engine.kv;

/**
 * The chained hash of full KV blocks: block {@code i}'s key mixes its parent's key with its own tokens,
 * so equal keys mean equal prefixes (up to a 64-bit collision, which {@link KvBlockManager} also guards
 * against by comparing tokens). Gateways compute the same chain to tell the scheduler which prefix a
 * prompt carries.
 */
public final class PrefixHash {

    /** The parent of the first block. */
    public static final long ROOT = 0x6c6c756d6e697821L;

    private PrefixHash() {}

    /** Hash of {@code tokens[from .. from+len)} chained after {@code parent}. */
    public static long of(long parent, int[] tokens, int from, int len) {
        long h = mix(parent ^ 0x9E3779B97F4A7C15L);
        for (int i = from; i < from + len; i++) {
            h = mix(h + 0x9E3779B97F4A7C15L + (tokens[i] & 0xffffffffL));
        }
        return mix(h ^ len);
    }

    /** Keys of every full block of {@code tokens[0 .. numTokens)}. */
    public static long[] chain(int[] tokens, int numTokens, int blockSize) {
        long[] out = new long[numTokens / blockSize];
        long parent = ROOT;
        for (int i = 0; i < out.length; i++) {
            parent = of(parent, tokens, i * blockSize, blockSize);
            out[i] = parent;
        }
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
