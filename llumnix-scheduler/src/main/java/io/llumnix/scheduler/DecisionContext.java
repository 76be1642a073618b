package io.llumnix.scheduler;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one decision reads: the snapshot, its in-flight counters, the request (with its cache hits
 * resolved to snapshot indices), the time, and which pass (strict or fallback) is running. Created per
 * decision and confined to the calling thread.
 */
final class DecisionContext {

    private static final int[] NO_HITS = new int[0];

    final ClusterSnapshot snapshot;
    final InFlight[] inflight;
    final ScheduleRequest request;
    final long nowMs;
    final MetricParams params;
    /** The filters that can reject someone in this decision; the rest are dropped up front. */
    final InstanceFilter[] filters;
    boolean fallbackPass;
    private final int[] hitTokens;
    private Set<String> excludedNodes = Set.of();
    private Set<String> excludedUnits = Set.of();

    DecisionContext(ClusterSnapshot snapshot, InFlight[] inflight, ScheduleRequest request, long nowMs,
            MetricParams params, List<InstanceFilter> filters, Map<String, Integer> matchedBlocks, int blockSize) {
        this.snapshot = snapshot;
        this.inflight = inflight;
        this.request = request;
        this.nowMs = nowMs;
        this.params = params;
        this.filters = relevant(filters);
        if (matchedBlocks.isEmpty()) {
            this.hitTokens = NO_HITS;
        } else {
            this.hitTokens = new int[snapshot.size()];
            for (Map.Entry<String, Integer> e : matchedBlocks.entrySet()) {
                int i = snapshot.indexOf(e.getKey());
                if (i >= 0) {
                    hitTokens[i] = (int) Math.min(request.promptTokens(), (long) e.getValue() * blockSize);
                }
            }
        }
        if (!request.excludedInstanceIds().isEmpty()) {
            Set<String> nodes = new HashSet<>();
            Set<String> units = new HashSet<>();
            for (String id : request.excludedInstanceIds()) {
                snapshot.find(id).ifPresent(v -> {
                    if (!v.nodeId().isEmpty()) {
                        nodes.add(v.nodeId());
                    }
                    if (!v.unitId().isEmpty()) {
                        units.add(v.unitId());
                    }
                });
            }
            excludedNodes = nodes;
            excludedUnits = units;
        }
    }

    private InstanceFilter[] relevant(List<InstanceFilter> all) {
        List<InstanceFilter> kept = new java.util.ArrayList<>(all.size());
        for (InstanceFilter f : all) {
            if (f.canReject(this)) {
                kept.add(f);
            }
        }
        return kept.toArray(InstanceFilter[]::new);
    }

    /** Whether instance {@code i} passes every filter of the current pass. */
    boolean passes(int i) {
        InstanceFilter[] fs = filters;
        for (int f = 0; f < fs.length; f++) {
            InstanceFilter filter = fs[f];
            if (fallbackPass && filter.soft()) {
                continue;
            }
            if (!accept(filter, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Dispatches on the filter's type with instanceof tests rather than one interface call: a single
     * {@code filter.accept} call site sees every filter class and goes megamorphic (not inlined); these
     * branches each stay monomorphic. This loop runs once per instance per decision.
     */
    private boolean accept(InstanceFilter filter, int i) {
        if (filter instanceof InstanceFilter.Schedulable f) {
            return f.accept(i, this);
        } else if (filter instanceof InstanceFilter.Fresh f) {
            return f.accept(i, this);
        } else if (filter instanceof InstanceFilter.ReservedRole f) {
            return f.accept(i, this);
        } else if (filter instanceof InstanceFilter.FailoverDomain f) {
            return f.accept(i, this);
        } else if (filter instanceof InstanceFilter.MetricThreshold f) {
            return f.accept(i, this);
        }
        return filter.accept(i, this);
    }

    double value(SchedulingMetric metric, int i) {
        InFlight f = inflight[i];
        int hit = hitTokens.length == 0 ? 0 : hitTokens[i];
        return metric.compute(snapshot.load(i), f.requests(), f.tokens(), request.promptTokens(), hit, params);
    }

    double cost(SchedulingMetric metric, int i) {
        return metric.cost(value(metric, i));
    }

    boolean excludedNode(String nodeId) {
        return !nodeId.isEmpty() && excludedNodes.contains(nodeId);
    }

    boolean excludedUnit(String unitId) {
        return !unitId.isEmpty() && excludedUnits.contains(unitId);
    }
}
