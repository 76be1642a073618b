package io.llumnix.sim.workload;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Shared-prefix identity of a prompt: one hash per {@code blockTokens}-token block, in position order, where equal
 * hashes at the same position mean the whole prefix up to and including that block is identical (Mooncake's
 * {@code hash_ids}). A prefix cache can reuse the KV of a leading run of blocks it has already seen.
 *
 * <p>Immutable.
 *
 * @param blockTokens tokens per hashed block (512 in the Mooncake traces); 0 only for {@link #NONE}
 * @param hashes one hash per block, in order; the last block may be partial
 */
public record PrefixBlocks(int blockTokens, List<Long> hashes) {

    /** No prefix information: nothing is shareable. */
    public static final PrefixBlocks NONE = new PrefixBlocks(0, List.of());

    public PrefixBlocks {
        hashes = List.copyOf(requireNonNull(hashes, "hashes is null"));
        if (blockTokens < 0 || (blockTokens == 0) != hashes.isEmpty()) {
            throw new IllegalArgumentException("blockTokens must be positive when there are hashes (and 0 otherwise), got "
                    + blockTokens + " with " + hashes.size() + " hashes");
        }
    }

    public boolean isEmpty() {
        return hashes.isEmpty();
    }

    /**
     * Re-expresses these hashes for a cache with smaller blocks of {@code newBlockTokens} tokens (which must divide
     * {@link #blockTokens()}), covering only the full new-size blocks of a {@code promptTokens}-token prompt (a
     * prefix cache only shares full blocks). Small block {@code i} lies in coarse block {@code j = i·new/old} at
     * offset {@code k}; its hash mixes coarse hash {@code j} with {@code k}, so it is again a prefix hash: equal
     * exactly when the coarse prefix up to {@code j} is equal.
     */
    public List<Long> rehash(int newBlockTokens, int promptTokens) {
        if (isEmpty()) {
            return List.of();
        }
        if (newBlockTokens <= 0 || blockTokens % newBlockTokens != 0) {
            throw new IllegalArgumentException("new block size " + newBlockTokens + " must divide " + blockTokens);
        }
        int perCoarse = blockTokens / newBlockTokens;
        int fullBlocks = Math.min(promptTokens / newBlockTokens, hashes.size() * perCoarse);
        List<Long> out = new ArrayList<>(fullBlocks);
        for (int i = 0; i < fullBlocks; i++) {
            out.add(mix(hashes.get(i / perCoarse), i % perCoarse));
        }
        return List.copyOf(out);
    }

    private static long mix(long hash, int offset) {
        // SplitMix64 finaliser over (hash, offset): distinct inputs collide with negligible probability.
        long z = hash * 0x9E3779B97F4A7C15L + offset + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
