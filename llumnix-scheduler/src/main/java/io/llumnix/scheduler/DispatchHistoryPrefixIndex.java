package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A prefix-cache index learned from dispatch history: after a request with block hashes h0…hk goes to an
 * instance, that instance is assumed to cache them. Bounded: beyond {@code capacity} (hash, instance) pairs
 * the oldest are forgotten first, roughly as an engine's LRU would evict them. An approximation — an engine
 * may have evicted a block sooner — which is why it only ranks instances, never gates them.
 *
 * <p>Thread-safe; lookups are lock-free reads of a {@link ConcurrentHashMap} of immutable sets.
 */
public final class DispatchHistoryPrefixIndex implements PrefixCacheIndex {

    private record Pair(long hash, String instanceId) {}

    private final int capacity;
    private final ConcurrentHashMap<Long, Set<String>> holders = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Pair> insertionOrder = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    public DispatchHistoryPrefixIndex(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public Map<String, Integer> matchedBlocks(List<Long> blockHashes) {
        if (blockHashes.isEmpty()) {
            return Map.of();
        }
        Set<String> first = holders.get(blockHashes.getFirst());
        if (first == null) {
            return Map.of();
        }
        Map<String, Integer> matched = new HashMap<>();
        Set<String> alive = new HashSet<>(first);
        for (int i = 1; i < blockHashes.size() && !alive.isEmpty(); i++) {
            Set<String> next = holders.getOrDefault(blockHashes.get(i), Set.of());
            for (var it = alive.iterator(); it.hasNext(); ) {
                String id = it.next();
                if (!next.contains(id)) {
                    matched.put(id, i);
                    it.remove();
                }
            }
        }
        for (String id : alive) {
            matched.put(id, blockHashes.size());
        }
        return matched;
    }

    @Override
    public void onDispatched(String instanceId, List<Long> blockHashes) {
        requireNonNull(instanceId, "instanceId is null");
        for (Long hash : blockHashes) {
            boolean[] added = {false};
            holders.compute(hash, (h, ids) -> {
                if (ids != null && ids.contains(instanceId)) {
                    return ids;
                }
                added[0] = true;
                Set<String> copy = ids == null ? new HashSet<>() : new HashSet<>(ids);
                copy.add(instanceId);
                return Set.copyOf(copy);
            });
            if (added[0]) {
                insertionOrder.add(new Pair(hash, instanceId));
                if (size.incrementAndGet() > capacity) {
                    evictOne();
                }
            }
        }
    }

    /** Number of (hash, instance) pairs held. */
    public int size() {
        return size.get();
    }

    private void evictOne() {
        Pair oldest = insertionOrder.poll();
        if (oldest == null) {
            return;
        }
        size.decrementAndGet();
        holders.computeIfPresent(oldest.hash(), (h, ids) -> {
            if (!ids.contains(oldest.instanceId())) {
                return ids;
            }
            Set<String> copy = new HashSet<>(ids);
            copy.remove(oldest.instanceId());
            return copy.isEmpty() ? null : Set.copyOf(copy);
        });
    }
}
