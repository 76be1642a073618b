package io.llumnix.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TestKvBlockManager {

    private static int[] seqTokens(int n, int seed) {
        int[] t = new int[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(500);
        }
        return t;
    }

    @Test
    void allocate_release_accountsExactly() {
        KvBlockManager m = new KvBlockManager(4, 16, false);
        int a = m.allocate().orElseThrow();
        int b = m.allocate().orElseThrow();
        assertThat(m.numUsedBlocks()).isEqualTo(2);
        assertThat(m.numFreeBlocks()).isEqualTo(2);
        m.release(a);
        m.release(b);
        assertThat(m.numUsedBlocks()).isZero();
        assertThat(m.numFreeBlocks()).isEqualTo(4);
    }

    @Test
    void allocate_whenExhausted_returnsEmpty() {
        KvBlockManager m = new KvBlockManager(2, 16, false);
        m.allocate();
        m.allocate();
        assertThat(m.allocate()).isEmpty();
    }

    @Test
    void release_twice_isRefused() {
        KvBlockManager m = new KvBlockManager(2, 16, false);
        int a = m.allocate().orElseThrow();
        m.release(a);
        assertThatThrownBy(() -> m.release(a)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void matchPrefix_afterRegistration_findsFullBlocksButNeverTheLastToken() {
        KvBlockManager m = new KvBlockManager(8, 4, true);
        int[] toks = seqTokens(12, 1);
        int[] table = {m.allocate().orElseThrow(), m.allocate().orElseThrow(), m.allocate().orElseThrow()};
        long parent = PrefixHash.ROOT;
        for (int i = 0; i < 3; i++) {
            parent = m.registerFull(table[i], parent, toks, i * 4);
        }
        // 12 tokens: at most (12-1)/4 = 2 blocks may be reused, the last token must be recomputed.
        assertThat(m.matchPrefix(toks, 12)).containsExactly(table[0], table[1]);
        assertThat(m.matchPrefix(toks, 13 > toks.length ? 12 : 13)).hasSize(2);
        int[] other = toks.clone();
        other[5] = (other[5] + 1) % 500;
        assertThat(m.matchPrefix(other, 12)).containsExactly(table[0]);
    }

    @Test
    void cachedBlocks_areReusedAfterRelease_andEvictedLru() {
        KvBlockManager m = new KvBlockManager(3, 2, true);
        int[] toks = {1, 2, 3, 4, 5};
        int a = m.allocate().orElseThrow();
        int b = m.allocate().orElseThrow();
        long h = m.registerFull(a, PrefixHash.ROOT, toks, 0);
        m.registerFull(b, h, toks, 2);
        m.release(b);
        m.release(a);
        assertThat(m.numCachedFreeBlocks()).isEqualTo(2);
        assertThat(m.numUsedBlocks()).isZero();
        assertThat(m.matchPrefix(toks, 5)).containsExactly(a, b);
        m.acquire(a);
        assertThat(m.numCachedFreeBlocks()).isEqualTo(1);
        assertThat(m.refCount(a)).isEqualTo(1);
        // Two more allocations: one free block, then the LRU cached block (b) is evicted.
        m.allocate().orElseThrow();
        int evicted = m.allocate().orElseThrow();
        assertThat(evicted).isEqualTo(b);
        assertThat(m.matchPrefix(toks, 5)).containsExactly(a);
    }

    @Test
    void duplicateContent_staysUnregistered_andIsFreedPlainly() {
        KvBlockManager m = new KvBlockManager(4, 2, true);
        int[] toks = {7, 8, 9};
        int a = m.allocate().orElseThrow();
        int b = m.allocate().orElseThrow();
        m.registerFull(a, PrefixHash.ROOT, toks, 0);
        m.registerFull(b, PrefixHash.ROOT, toks, 0);
        m.release(b);
        assertThat(m.numCachedFreeBlocks()).isZero();
        m.release(a);
        assertThat(m.numCachedFreeBlocks()).isEqualTo(1);
    }

    @Test
    void randomWorkload_neverLeaks_andCountsStayConsistent() {
        Random r = new Random(42);
        KvBlockManager m = new KvBlockManager(64, 4, true);
        List<int[]> held = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (r.nextBoolean() && m.numFreeBlocks() > 0) {
                int b = m.allocate().orElseThrow();
                int[] toks = seqTokens(4, r.nextInt(8));
                if (r.nextBoolean()) {
                    m.registerFull(b, PrefixHash.ROOT, toks, 0);
                }
                held.add(new int[] {b});
            } else if (!held.isEmpty()) {
                m.release(held.remove(r.nextInt(held.size()))[0]);
            }
            assertThat(m.numUsedBlocks() + m.numFreeBlocks()).isEqualTo(64);
            assertThat(m.numUsedBlocks()).isEqualTo(held.size());
        }
        held.forEach(h -> m.release(h[0]));
        assertThat(m.numUsedBlocks()).isZero();
    }
}
