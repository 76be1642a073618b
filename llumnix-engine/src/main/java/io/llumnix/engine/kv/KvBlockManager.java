package io.llumnix.engine.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Owns the KV cache's blocks: who holds each one (reference counts), which are free, and which still
 * hold a reusable prefix (automatic prefix caching). The storage itself lives in the executor; this class
 * only does the accounting, so the simulator runs it unchanged.
 *
 * <p>A block is in exactly one of three states: <em>used</em> (reference count &gt; 0), <em>cached free</em>
 * (count 0 but registered under the chained hash of its full contents, evictable in LRU order) or
 * <em>free</em>. Allocation takes a free block first and evicts the least recently released cached block
 * otherwise. Prefix caching shares a full block between sequences whose token prefixes up to and including
 * that block are identical; the hash chain ({@link PrefixHash}) makes block {@code i}'s key depend on all
 * tokens before it, and registered blocks also keep their tokens and parent hash so a hash collision can
 * never hand out the wrong KV.
 *
 * <p>Not thread-safe: owned by one engine's step thread.
 */
public final class KvBlockManager {

    private final int numBlocks;
    private final int blockSize;
    private final boolean prefixCaching;
    private final int[] refCount;
    private final boolean[] registered;
    private final long[] hash;
    private final long[] parentHash;
    private final int[] tokens;
    private final int[] freeStack;
    private int freeTop;
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<Long, Integer> cache = new HashMap<>();

    public KvBlockManager(int numBlocks, int blockSize, boolean prefixCaching) {
        if (numBlocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("numBlocks and blockSize must be positive: " + numBlocks + ", " + blockSize);
        }
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.refCount = new int[numBlocks];
        this.registered = new boolean[numBlocks];
        this.hash = new long[numBlocks];
        this.parentHash = new long[numBlocks];
        this.tokens = prefixCaching ? new int[numBlocks * blockSize] : new int[0];
        this.freeStack = new int[numBlocks];
        // Lowest ids on top so allocation order is deterministic and easy to read in tests.
        for (int i = 0; i < numBlocks; i++) {
            freeStack[i] = numBlocks - 1 - i;
        }
        this.freeTop = numBlocks;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public boolean prefixCachingEnabled() {
        return prefixCaching;
    }

    /** Blocks that can be allocated now: free plus evictable cached blocks. */
    public int numFreeBlocks() {
        return freeTop + evictable.size();
    }

    /** Blocks referenced by at least one sequence. */
    public int numUsedBlocks() {
        return numBlocks - numFreeBlocks();
    }

    /** Unreferenced blocks that still hold a reusable prefix. */
    public int numCachedFreeBlocks() {
        return evictable.size();
    }

    /** Blocks needed to hold {@code numTokens} tokens. */
    public int blocksFor(int numTokens) {
        return (numTokens + blockSize - 1) / blockSize;
    }

    public int refCount(int block) {
        return refCount[block];
    }

    /** Allocates one block with a reference count of 1, or empty when none is free or evictable. */
    public OptionalInt allocate() {
        int b;
        if (freeTop > 0) {
            b = freeStack[--freeTop];
        } else if (!evictable.isEmpty()) {
            Iterator<Integer> it = evictable.iterator();
            b = it.next();
            it.remove();
            unregister(b);
        } else {
            return OptionalInt.empty();
        }
        refCount[b] = 1;
        return OptionalInt.of(b);
    }

    /** Takes one more reference on a used or cached-free block (a prefix-cache hit). */
    public void acquire(int block) {
        if (refCount[block] == 0) {
            if (!registered[block] || !evictable.remove(block)) {
                throw new IllegalStateException("block " + block + " is free and holds no cached prefix");
            }
        }
        refCount[block]++;
    }

    /** Drops one reference; at zero the block becomes cached-free (if registered) or free. */
    public void release(int block) {
        if (refCount[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than acquired");
        }
        if (--refCount[block] == 0) {
            if (registered[block]) {
                evictable.add(block);
            } else {
                freeStack[freeTop++] = block;
            }
        }
    }

    /**
     * Registers a used, now full block under the hash chained from {@code parent} over
     * {@code blockTokens[from .. from+blockSize)}. Returns that hash (the next block's parent). When another
     * block already holds the same content this one stays unregistered (a duplicate) and is freed normally.
     */
    public long registerFull(int block, long parent, int[] blockTokens, int from) {
        long h = PrefixHash.of(parent, blockTokens, from, blockSize);
        if (!prefixCaching || registered[block]) {
            return h;
        }
        if (refCount[block] <= 0) {
            throw new IllegalStateException("block " + block + " is not in use");
        }
        if (!cache.containsKey(h)) {
            cache.put(h, block);
            registered[block] = true;
            hash[block] = h;
            parentHash[block] = parent;
            System.arraycopy(blockTokens, from, tokens, block * blockSize, blockSize);
        }
        return h;
    }

    /**
     * Finds the longest run of leading full blocks of {@code seqTokens[0 .. numTokens)} that are cached,
     * never covering the last token (it must be computed to produce logits). Takes no references.
     *
     * @return the matched block ids, in order (possibly empty)
     */
    public int[] matchPrefix(int[] seqTokens, int numTokens) {
        if (!prefixCaching) {
            return new int[0];
        }
        int maxBlocks = (numTokens - 1) / blockSize;
        int[] out = new int[maxBlocks];
        long parent = PrefixHash.ROOT;
        int n = 0;
        for (int i = 0; i < maxBlocks; i++) {
            long h = PrefixHash.of(parent, seqTokens, i * blockSize, blockSize);
            Integer b = cache.get(h);
            if (b == null || parentHash[b] != parent
                    || !Arrays.equals(tokens, b * blockSize, (b + 1) * blockSize, seqTokens, i * blockSize, (i + 1) * blockSize)) {
                break;
            }
            out[n++] = b;
            parent = h;
        }
        return n == maxBlocks ? out : Arrays.copyOf(out, n);
    }

    /** How many of {@code blocks} are cached-free, i.e. would leave the free pool when acquired. */
    public int countCachedFree(int[] blocks) {
        int n = 0;
        for (int b : blocks) {
            if (refCount[b] == 0) {
                n++;
            }
        }
        return n;
    }

    /** Drops every cached prefix (e.g. after the weights change); used blocks are untouched. */
    public void resetPrefixCache() {
        for (Integer b : evictable) {
            unregister(b);
            freeStack[freeTop++] = b;
        }
        evictable.clear();
        for (int b = 0; b < numBlocks; b++) {
            if (registered[b]) {
                unregister(b);
            }
        }
    }

    private void unregister(int b) {
        if (registered[b]) {
            cache.remove(hash[b], b);
            registered[b] = false;
        }
    }
}
