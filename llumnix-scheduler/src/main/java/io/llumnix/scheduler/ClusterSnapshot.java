package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceRecord;
import io.llumnix.core.InferType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The cluster as one scheduling decision sees it: every instance with its metadata and latest status,
 * sorted by instance id, with per-instance loads and per-infer-type index lists precomputed once so that a
 * decision is one pass over primitive fields. A background refresher builds a new snapshot and swaps it in;
 * nobody ever mutates one.
 *
 * <p>Immutable and thread-safe. Index {@code i} (package-private accessors) is the position in id order, so
 * "lower index" means "lower instance id" — the deterministic tie-break.
 */
public final class ClusterSnapshot {

    private static final ClusterSnapshot EMPTY = new ClusterSnapshot(List.of(), 0);

    private final List<InstanceView> instances;
    private final InstanceLoad[] loads;
    private final Map<String, Integer> indexById;
    private final int[][] indicesByType;
    private final long takenAtMs;
    private final boolean anyReserved;
    private final boolean anyUnschedulable;
    private final boolean anyWithoutStatus;
    private final long oldestStatusMs;

    private ClusterSnapshot(List<InstanceView> sorted, long takenAtMs) {
        this.instances = List.copyOf(sorted);
        this.takenAtMs = takenAtMs;
        int n = instances.size();
        this.loads = new InstanceLoad[n];
        this.indexById = HashMap.newHashMap(n);
        int[] counts = new int[InferType.values().length];
        for (int i = 0; i < n; i++) {
            InstanceView v = instances.get(i);
            loads[i] = new InstanceLoad(v);
            if (indexById.put(v.instanceId(), i) != null) {
                throw new IllegalArgumentException("duplicate instance " + v.instanceId());
            }
            counts[v.inferType().ordinal()]++;
        }
        this.indicesByType = new int[counts.length][];
        int[] fill = new int[counts.length];
        for (int t = 0; t < counts.length; t++) {
            indicesByType[t] = new int[counts[t]];
        }
        boolean reserved = false;
        boolean unschedulable = false;
        boolean withoutStatus = false;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            InstanceLoad l = loads[i];
            int t = l.inferType.ordinal();
            indicesByType[t][fill[t]++] = i;
            reserved |= !instances.get(i).metadata().reservedRole().isEmpty();
            unschedulable |= l.hasStatus && !l.schedulable;
            withoutStatus |= !l.hasStatus;
            if (l.hasStatus) {
                oldest = Math.min(oldest, l.timestampMs);
            }
        }
        this.anyReserved = reserved;
        this.anyUnschedulable = unschedulable;
        this.anyWithoutStatus = withoutStatus;
        this.oldestStatusMs = oldest;
    }

    /** A snapshot of these instances (any order; sorted here). */
    public static ClusterSnapshot of(List<InstanceView> instances, long takenAtMs) {
        List<InstanceView> sorted = new ArrayList<>(requireNonNull(instances, "instances is null"));
        sorted.sort(Comparator.comparing(InstanceView::instanceId));
        return new ClusterSnapshot(sorted, takenAtMs);
    }

    /** A snapshot of what a {@link io.llumnix.cms.ClusterMetaStore} listed. */
    public static ClusterSnapshot ofRecords(List<InstanceRecord> records, long takenAtMs) {
        return of(records.stream().map(r -> new InstanceView(r.metadata(), r.status())).toList(), takenAtMs);
    }

    /** No instances; what a scheduler starts with. */
    public static ClusterSnapshot empty() {
        return EMPTY;
    }

    /** All instances, sorted by id. */
    public List<InstanceView> instances() {
        return instances;
    }

    public int size() {
        return instances.size();
    }

    /** When the snapshot was read (the reader's clock, ms). */
    public long takenAtMs() {
        return takenAtMs;
    }

    public Optional<InstanceView> find(String instanceId) {
        Integer i = indexById.get(instanceId);
        return i == null ? Optional.empty() : Optional.of(instances.get(i));
    }

    /** Instances of one role, sorted by id. */
    public List<InstanceView> instancesOf(InferType type) {
        int[] idx = indicesByType[type.ordinal()];
        List<InstanceView> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(instances.get(i));
        }
        return out;
    }

    /**
     * A metric's value from the instance's status alone (no in-flight dispatches, no request): what the
     * rescheduler ranks by.
     */
    public OptionalDouble metric(SchedulingMetric metric, String instanceId, MetricParams params) {
        int i = indexOf(instanceId);
        return i < 0 ? OptionalDouble.empty() : OptionalDouble.of(metric.compute(loads[i], 0, 0, 0, 0, params));
    }

    /** Whether some instance is reserved for a role (else the reserved-role filter cannot reject anyone). */
    boolean anyReserved() {
        return anyReserved;
    }

    /** Whether some status says "not schedulable". */
    boolean anyUnschedulable() {
        return anyUnschedulable;
    }

    /** Whether some instance has no live status. */
    boolean anyWithoutStatus() {
        return anyWithoutStatus;
    }

    /** Timestamp of the oldest status ({@link Long#MAX_VALUE} when there is none). */
    long oldestStatusMs() {
        return oldestStatusMs;
    }

    int indexOf(String instanceId) {
        Integer i = indexById.get(instanceId);
        return i == null ? -1 : i;
    }

    InstanceLoad load(int i) {
        return loads[i];
    }

    InstanceView view(int i) {
        return instances.get(i);
    }

    String id(int i) {
        return instances.get(i).instanceId();
    }

    /** Indices of instances of one role, ascending; shared, do not modify. */
    int[] indices(InferType type) {
        return indicesByType[type.ordinal()];
    }

    @Override
    public String toString() {
        return "ClusterSnapshot[" + instances.size() + " instances @" + takenAtMs + "]";
    }
}
