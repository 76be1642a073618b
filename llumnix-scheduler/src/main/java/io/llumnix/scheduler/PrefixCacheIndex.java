package io.llumnix.scheduler;

import java.util.List;
import java.util.Map;

/**
 * Which instances probably hold which prompt prefixes in their KV cache, for the cache-aware metrics
 * ({@code kv_cache_hit_len}, {@code cache_aware_all_prefills_tokens_num}). A request carries the chained hashes
 * of its prompt's full blocks; an instance holds a prefix of length k if it holds the first k hashes.
 *
 * <p>Sources are pluggable: {@link DispatchHistoryPrefixIndex} learns from the scheduler's own dispatches
 * (what it sent where); an index fed by the llumlets' published cached-block hashes is another implementation
 * of this interface. Implementations are thread-safe; {@link #matchedBlocks(List)} is on the dispatch hot path
 * and must not block.
 */
public interface PrefixCacheIndex {

    /** For each instance that holds at least the first block: how many leading blocks it holds. */
    Map<String, Integer> matchedBlocks(List<Long> blockHashes);

    /** Told after each dispatch: the instance will now hold these blocks. */
    void onDispatched(String instanceId, List<Long> blockHashes);

    /** An index that knows nothing: every instance misses. */
    static PrefixCacheIndex none() {
        return NoPrefixCacheIndex.INSTANCE;
    }

    enum NoPrefixCacheIndex implements PrefixCacheIndex {
        INSTANCE;

        @Override
        public Map<String, Integer> matchedBlocks(List<Long> blockHashes) {
            return Map.of();
        }

        @Override
        public void onDispatched(String instanceId, List<Long> blockHashes) {}
    }
}
