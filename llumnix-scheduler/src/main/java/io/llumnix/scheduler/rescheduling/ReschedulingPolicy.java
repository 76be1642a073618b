package io.llumnix.scheduler.rescheduling;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.FailoverScope;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.SchedulingMetric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pair selection: given the cluster, which instance should send requests to which. A pure function of the
 * snapshot, the configuration and the time, so every policy is unit-testable on a hand-built snapshot.
 * Each instance appears in at most one order per policy per tick. Candidates are ranked with instance-id
 * tie-breaks, so plans are deterministic. Immutable records; thread-safe.
 */
public sealed interface ReschedulingPolicy {

    String name();

    /**
     * The orders this policy wants now, leaving out {@code busy} instances (already migrating, or used by an
     * earlier policy this tick) as sources and as destinations.
     */
    List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs, Set<String> busy);

    /** {@link #plan(ClusterSnapshot, ReschedulingConfig, long, Set)} with no busy instance. */
    default List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs) {
        return plan(snapshot, config, nowMs, Set.of());
    }

    /**
     * {@code decode_load} / {@code neutral_load}: pair the most loaded instance of the type with the least
     * loaded, the second with the second, … while the gap exceeds {@code --rescheduling-load-balance-threshold}
     * and one request's share of the source's load ({@link #worthBalancing}), and the destination is below the
     * load threshold.
     */
    record LoadBalance(String name, InferType type) implements ReschedulingPolicy {
        public LoadBalance {
            requireNonNull(name, "name is null");
            requireNonNull(type, "type is null");
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            SchedulingMetric metric = config.loadMetric(type);
            double threshold = config.loadThreshold(type);
            List<Ranked> healthy = Ranked.healthy(snapshot, type, metric, config, nowMs, busy);
            List<Ranked> sources = healthy.stream().filter(Ranked::canSend).sorted(Ranked.MOST_LOADED).toList();
            List<Ranked> dests = healthy.stream()
                    .filter(r -> r.canReceive() && r.load() < threshold)
                    .sorted(Ranked.LEAST_LOADED)
                    .toList();
            return Ranked.pairInOrder(sources, dests, (s, d) -> worthBalancing(s, d, config.loadBalanceThreshold()),
                    (s, d) -> order(s, d, config, name, false));
        }
    }

    /**
     * Whether moving load from {@code s} to {@code d} narrows their gap: it must exceed the threshold and one
     * request's average share of the source's load, since a move larger than the gap only swaps the imbalance
     * (and the next tick would move it back).
     */
    static boolean worthBalancing(Ranked s, Ranked d, double threshold) {
        double gap = s.load() - d.load();
        double perRequest = s.load() / Math.max(1, s.status().numRequests());
        return gap > threshold && gap > perRequest;
    }

    /**
     * {@code failover} (all types) or {@code prefill_failover} / {@code decode_failover} /
     * {@code neutral_failover}: drain every instance in the failure domain (per {@code --failover-scope}) of an
     * instance that is unschedulable, stale, or has lost its status, onto healthy instances outside those
     * domains, least loaded (by the type's rescheduling load metric) first, round robin. Everything moves (rule RATIO, value 1).
     */
    record Failover(String name, List<InferType> types) implements ReschedulingPolicy {
        public Failover {
            requireNonNull(name, "name is null");
            types = List.copyOf(types);
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            List<MigrationOrder> orders = new ArrayList<>();
            for (InferType type : types) {
                List<InstanceView> all = snapshot.instancesOf(type);
                Set<String> failedDomains = new HashSet<>();
                for (InstanceView v : all) {
                    if (!Ranked.isHealthy(v, config, nowMs)) {
                        failedDomains.add(domain(v, config.failoverScope()));
                    }
                }
                if (failedDomains.isEmpty()) {
                    continue;
                }
                List<InstanceView> sources = all.stream()
                        .filter(v -> failedDomains.contains(domain(v, config.failoverScope())))
                        .filter(v -> !busy.contains(v.instanceId()))
                        .filter(v -> v.status().map(s -> s.numRequests() > 0).orElse(true))
                        .toList();
                SchedulingMetric metric = config.loadMetric(type);
                List<Ranked> dests = Ranked.healthy(snapshot, type, metric, config, nowMs, busy)
                        .stream()
                        .filter(r -> !failedDomains.contains(domain(r.view(), config.failoverScope())))
                        .filter(Ranked::canReceive)
                        .sorted(Ranked.LEAST_LOADED)
                        .toList();
                if (dests.isEmpty()) {
                    continue;
                }
                for (int i = 0; i < sources.size(); i++) {
                    orders.add(new MigrationOrder(sources.get(i).instanceId(), dests.get(i % dests.size()).id(),
                            MigrationRule.RATIO, RequestOrder.FCWSR, 1.0, name, false));
                }
            }
            return orders;
        }

        private static String domain(InstanceView v, FailoverScope scope) {
            return switch (scope) {
                case INSTANCE -> "instance:" + v.instanceId();
                case NODE -> v.nodeId().isEmpty() ? "instance:" + v.instanceId() : "node:" + v.nodeId();
                case UNIT -> v.unitId().isEmpty() ? "instance:" + v.instanceId() : "unit:" + v.unitId();
            };
        }
    }

    /**
     * The paper's de-fragmentation ({@code defrag}): an instance whose freeness — counting the head-of-line
     * waiting request's demand as virtual usage — is below {@code --rescheduling-defrag-freeness-threshold}
     * sends running requests to the freest instance, so that the queued request's blocks become contiguous
     * free space. Pairs lowest with highest freeness while the destination is freer than the threshold.
     */
    record Defrag() implements ReschedulingPolicy {
        @Override
        public String name() {
            return "defrag";
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            List<MigrationOrder> orders = new ArrayList<>();
            for (InferType type : List.of(InferType.NEUTRAL, InferType.DECODE)) {
                // load = −freeness, so "most loaded" is "least free"
                List<Ranked> healthy = Ranked.healthy(snapshot, type, SchedulingMetric.FREENESS, config, nowMs, busy);
                double limit = -config.defragFreenessThreshold();
                List<Ranked> sources = healthy.stream()
                        .filter(r -> r.canSend() && r.load() > limit && r.status().numRunningRequests() > 0)
                        .sorted(Ranked.MOST_LOADED)
                        .toList();
                List<Ranked> dests = healthy.stream()
                        .filter(r -> r.canReceive() && r.load() <= limit)
                        .sorted(Ranked.LEAST_LOADED)
                        .toList();
                orders.addAll(Ranked.pairInOrder(sources, dests, (s, d) -> s.load() > d.load(),
                        (s, d) -> order(s, d, config, name(), false)));
            }
            return orders;
        }
    }

    /**
     * The paper's priority headroom ({@code priority}): an instance hosting high-priority requests (running, or
     * queued for blocks) should keep {@code --priority-headroom-tokens} free beyond what its queue head needs to
     * be admitted. When it has less, normal-priority requests move off it (largest first, enough tokens to close
     * the gap). Destinations are instances without high-priority load first, then any other; each must still admit
     * its own queue head after taking the tokens, and a high-priority host must also keep its headroom, so the
     * move never creates a new deficit.
     *
     * <p>The queue head counts because the engine admits by free blocks and never preempts to admit: a
     * high-priority request queued behind a cache full of normal decodes waits until they finish, seconds later,
     * unless the cluster makes room. Instances without high-priority load are never sources, and no instance
     * pairs twice in one plan.
     */
    record PriorityHeadroom() implements ReschedulingPolicy {
        @Override
        public String name() {
            return "priority";
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            long headroom = config.metricParams().priorityHeadroomTokens();
            if (headroom == 0) {
                return List.of();
            }
            List<MigrationOrder> orders = new ArrayList<>();
            for (InferType type : InferType.values()) {
                List<Ranked> healthy = Ranked.healthy(snapshot, type, SchedulingMetric.NUM_TOKENS, config, nowMs, busy);
                List<Ranked> sources = healthy.stream()
                        .filter(r -> r.canSend() && hostsHighPriority(r) && deficit(r, headroom) > 0)
                        .sorted(Comparator.comparingLong((Ranked r) -> -deficit(r, headroom)).thenComparing(Ranked::id))
                        .toList();
                if (sources.isEmpty()) {
                    continue;
                }
                List<Ranked> dests = healthy.stream()
                        .filter(Ranked::canReceive)
                        .sorted(Comparator.comparing(PriorityHeadroom::hostsHighPriority)
                                .thenComparingLong((Ranked r) -> -spare(r, headroom))
                                .thenComparing(Ranked::id))
                        .toList();
                Set<String> used = new HashSet<>();
                for (Ranked s : sources) {
                    long needed = deficit(s, headroom);
                    for (Ranked d : dests) {
                        if (!d.id().equals(s.id()) && !used.contains(d.id()) && !used.contains(s.id())
                                && spare(d, headroom) >= needed) {
                            used.add(s.id());
                            used.add(d.id());
                            orders.add(new MigrationOrder(s.id(), d.id(), MigrationRule.TOKEN, RequestOrder.LR, needed,
                                    name(), true));
                            break;
                        }
                    }
                }
            }
            return orders;
        }

        private static boolean hostsHighPriority(Ranked r) {
            return r.status().numHighPriorityUsedTokens() > 0;
        }

        /** Tokens the queue head needs to be admitted (0 when nothing waits). */
        private static long queued(Ranked r) {
            InstanceStatus st = r.status();
            return st.numWaitingRequests() > 0 ? (long) st.numWaitingHeadBlocks() * st.numBlockSize() : 0;
        }

        /** Tokens that must leave a high-priority host to restore its headroom. */
        private static long deficit(Ranked r, long headroom) {
            return headroom - r.status().numFreeTokens();
        }

        /**
         * Tokens an instance can take while keeping its queue head admissible and, if it hosts high-priority
         * requests itself, their headroom free.
         */
        private static long spare(Ranked r, long headroom) {
            return r.status().numFreeTokens() - queued(r) - (hostsHighPriority(r) ? headroom : 0);
        }
    }

    /**
     * {@code binpacking_mitigation}: under a packing-oriented dispatch, relieve an instance that went over the
     * load threshold by moving requests to the <em>most</em> loaded instance still under it (best fit), so the
     * cluster stays packed rather than spread.
     */
    record BinpackingMitigation() implements ReschedulingPolicy {
        @Override
        public String name() {
            return "binpacking_mitigation";
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            List<MigrationOrder> orders = new ArrayList<>();
            for (InferType type : List.of(InferType.NEUTRAL, InferType.DECODE)) {
                SchedulingMetric metric = config.loadMetric(type);
                double threshold = config.loadThreshold(type);
                List<Ranked> healthy = Ranked.healthy(snapshot, type, metric, config, nowMs, busy);
                List<Ranked> sources = healthy.stream()
                        .filter(r -> r.canSend() && r.load() > threshold)
                        .sorted(Ranked.MOST_LOADED)
                        .toList();
                List<Ranked> dests = healthy.stream()
                        .filter(r -> r.canReceive() && r.load() < threshold)
                        .sorted(Ranked.MOST_LOADED)
                        .toList();
                orders.addAll(Ranked.pairInOrder(sources, dests, (s, d) -> true,
                        (s, d) -> order(s, d, config, name(), false)));
            }
            return orders;
        }
    }

    /**
     * {@code binpacking_consolidation}: drain lightly loaded instances (load below
     * {@code --rescheduling-consolidation-load-threshold}) completely into the most loaded instances that can
     * absorb them without crossing the load threshold, so that idle instances can be scaled down.
     */
    record BinpackingConsolidation() implements ReschedulingPolicy {
        @Override
        public String name() {
            return "binpacking_consolidation";
        }

        @Override
        public List<MigrationOrder> plan(ClusterSnapshot snapshot, ReschedulingConfig config, long nowMs,
                Set<String> busy) {
            List<MigrationOrder> orders = new ArrayList<>();
            for (InferType type : List.of(InferType.NEUTRAL, InferType.DECODE)) {
                SchedulingMetric metric = config.loadMetric(type);
                double threshold = config.loadThreshold(type);
                List<Ranked> healthy = Ranked.healthy(snapshot, type, metric, config, nowMs, busy);
                List<Ranked> sources = healthy.stream()
                        .filter(r -> r.canSend() && r.load() < config.consolidationLoadThreshold())
                        .sorted(Ranked.LEAST_LOADED)
                        .toList();
                Set<String> sourceIds = new HashSet<>();
                sources.forEach(s -> sourceIds.add(s.id()));
                List<Ranked> dests = healthy.stream()
                        .filter(r -> r.canReceive() && !sourceIds.contains(r.id()))
                        .sorted(Ranked.MOST_LOADED)
                        .toList();
                Set<String> usedDests = new HashSet<>();
                for (Ranked s : sources) {
                    for (Ranked d : dests) {
                        if (!usedDests.contains(d.id()) && d.load() + s.load() <= threshold) {
                            usedDests.add(d.id());
                            orders.add(new MigrationOrder(s.id(), d.id(), MigrationRule.RATIO, RequestOrder.FCWSR, 1.0,
                                    name(), false));
                            break;
                        }
                    }
                }
            }
            return orders;
        }
    }

    private static MigrationOrder order(Ranked s, Ranked d, ReschedulingConfig config, String policy,
            boolean normalOnly) {
        return new MigrationOrder(s.id(), d.id(), config.reqSelectRule(), config.reqSelectOrder(),
                config.reqSelectValue(), policy, normalOnly);
    }

    /** An instance with its status and its load under one metric (oriented: higher load = worse). */
    record Ranked(InstanceView view, InstanceStatus status, double load) {

        static final Comparator<Ranked> MOST_LOADED =
                Comparator.comparingDouble((Ranked r) -> -r.load()).thenComparing(Ranked::id);
        static final Comparator<Ranked> LEAST_LOADED =
                Comparator.comparingDouble(Ranked::load).thenComparing(Ranked::id);

        String id() {
            return view.instanceId();
        }

        boolean canSend() {
            return status.numMigrateOutSlots() > 0 && status.numRequests() > 0;
        }

        boolean canReceive() {
            return status.numMigrateInSlots() > 0;
        }

        static boolean isHealthy(InstanceView v, ReschedulingConfig config, long nowMs) {
            return v.status().map(s -> s.schedulable()
                    && nowMs - s.timestampMs() <= config.instanceStaleness().toMillis()).orElse(false);
        }

        static List<Ranked> healthy(ClusterSnapshot snapshot, InferType type, SchedulingMetric metric,
                ReschedulingConfig config, long nowMs, Set<String> busy) {
            List<Ranked> out = new ArrayList<>();
            for (InstanceView v : snapshot.instancesOf(type)) {
                if (!busy.contains(v.instanceId()) && isHealthy(v, config, nowMs)) {
                    double value = snapshot.metric(metric, v.instanceId(), config.metricParams()).orElseThrow();
                    double load = metric.higherIsBetter() ? -value : value;
                    out.add(new Ranked(v, v.status().orElseThrow(), Double.isNaN(load) ? Double.MAX_VALUE : load));
                }
            }
            return out;
        }

        /** Pairs sources[i] with dests[i], skipping instances already used, while {@code worth} holds. */
        static List<MigrationOrder> pairInOrder(List<Ranked> sources, List<Ranked> dests,
                java.util.function.BiPredicate<Ranked, Ranked> worth,
                java.util.function.BiFunction<Ranked, Ranked, MigrationOrder> make) {
            List<MigrationOrder> orders = new ArrayList<>();
            Set<String> used = new HashSet<>();
            int d = 0;
            for (Ranked s : sources) {
                if (used.contains(s.id())) {
                    continue;
                }
                while (d < dests.size() && (used.contains(dests.get(d).id()) || dests.get(d).id().equals(s.id()))) {
                    d++;
                }
                if (d >= dests.size()) {
                    break;
                }
                Ranked dest = dests.get(d);
                if (!worth.test(s, dest)) {
                    break; // sorted: later pairs are closer still
                }
                used.add(s.id());
                used.add(dest.id());
                orders.add(make.apply(s, dest));
                d++;
            }
            return orders;
        }
    }
}
