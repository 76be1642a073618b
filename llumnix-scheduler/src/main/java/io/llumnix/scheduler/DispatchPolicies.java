package io.llumnix.scheduler;

import io.llumnix.core.InferType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The registry of dispatch policies by {@code --scheduling-policy} name:
 * <ul>
 *   <li>{@code round-robin} — the next schedulable instance in id order;</li>
 *   <li>{@code load-balance} — full mode: the configured per-infer-type load metric with its soft threshold
 *       (optionally cache-aware); lite mode: fewest in-flight requests, then fewest in-flight tokens;</li>
 *   <li>{@code flood} — always the first schedulable instance (a baseline that piles up load, for
 *       demonstrating rescheduling);</li>
 *   <li>{@code infaas++} — the paper's baseline: highest freeness, never migrates;</li>
 *   <li>{@code llumnix} — highest freeness, meant to run with the rescheduler.</li>
 * </ul>
 * Every policy applies the schedulability, staleness (full mode), reserved-role and failover-domain filters.
 * Thread-safe (stateless).
 */
public final class DispatchPolicies {

    private static final Map<String, Function<SchedulerConfig, DispatchPolicy>> REGISTRY = new LinkedHashMap<>();
    private static final Set<String> NEED_FULL_MODE = Set.of("infaas++", "llumnix");

    static {
        REGISTRY.put("round-robin", c -> uniform("round-robin", c, t -> new Selector.RoundRobin(), false));
        REGISTRY.put("load-balance", DispatchPolicies::loadBalance);
        REGISTRY.put("flood", c -> uniform("flood", c, t -> new Selector.FixedPreference(), false));
        REGISTRY.put("infaas++", c -> uniform("infaas++", c, t -> freeness(c), false));
        REGISTRY.put("llumnix", c -> uniform("llumnix", c, t -> freeness(c), true));
    }

    private DispatchPolicies() {}

    /** Valid {@code --scheduling-policy} names. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** The policy {@code config.schedulingPolicy()} names, configured by {@code config}. */
    public static DispatchPolicy create(SchedulerConfig config) {
        return REGISTRY.get(checkName(config.schedulingPolicy())).apply(config);
    }

    /** @throws IllegalArgumentException listing the valid names */
    static String checkName(String name) {
        if (!REGISTRY.containsKey(name)) {
            throw new IllegalArgumentException(
                    "unknown --scheduling-policy '" + name + "'; valid policies: " + String.join(", ", names()));
        }
        return name;
    }

    static boolean needsFullMode(String name) {
        return NEED_FULL_MODE.contains(name);
    }

    static List<InstanceFilter> commonFilters(SchedulerConfig c) {
        List<InstanceFilter> filters = new ArrayList<>();
        filters.add(new InstanceFilter.Schedulable(c.enableFullModeScheduling()));
        if (c.enableFullModeScheduling()) {
            filters.add(new InstanceFilter.Fresh(c.instanceStaleness().toMillis()));
        }
        filters.add(new InstanceFilter.ReservedRole());
        filters.add(new InstanceFilter.FailoverDomain(c.failoverScope()));
        return filters;
    }

    private static DispatchPolicy uniform(String name, SchedulerConfig c, Function<InferType, Selector> selector,
            boolean migrates) {
        Map<InferType, DispatchPipeline> pipelines = new EnumMap<>(InferType.class);
        for (InferType t : InferType.values()) {
            pipelines.put(t, new DispatchPipeline(commonFilters(c), selector.apply(t)));
        }
        return new DispatchPolicy(name, pipelines, false, migrates);
    }

    private static Selector.MetricBased freeness(SchedulerConfig c) {
        return new Selector.MetricBased(List.of(SchedulingMetric.FREENESS, SchedulingMetric.NUM_REQUESTS),
                c.dispatchTopK(), new SeededRandom(c.dispatchSeed()));
    }

    private static DispatchPolicy loadBalance(SchedulerConfig c) {
        Map<InferType, DispatchPipeline> pipelines = new EnumMap<>(InferType.class);
        SeededRandom random = new SeededRandom(c.dispatchSeed());
        if (!c.enableFullModeScheduling()) {
            for (InferType t : InferType.values()) {
                pipelines.put(t, new DispatchPipeline(commonFilters(c), new Selector.MetricBased(
                        List.of(SchedulingMetric.NUM_REQUESTS, SchedulingMetric.NUM_TOKENS), c.dispatchTopK(),
                        random)));
            }
            return new DispatchPolicy("load-balance", pipelines, false, false);
        }
        for (InferType t : InferType.values()) {
            SchedulingMetric metric = switch (t) {
                case NEUTRAL -> c.dispatchNeutralLoadMetric();
                case PREFILL -> c.dispatchPrefillLoadMetric();
                case DECODE -> c.dispatchDecodeLoadMetric();
            };
            double threshold = switch (t) {
                case NEUTRAL -> c.dispatchNeutralLoadThreshold();
                case PREFILL -> c.dispatchPrefillLoadThreshold();
                case DECODE -> c.dispatchDecodeLoadThreshold();
            };
            List<InstanceFilter> filters = commonFilters(c);
            filters.add(new InstanceFilter.MetricThreshold(metric, threshold));
            List<SchedulingMetric> ranking = c.enableCacheAwareScheduling() && t != InferType.DECODE
                    ? List.of(c.dispatchPrefillCacheLocalityMetric(), metric)
                    : List.of(metric);
            pipelines.put(t, new DispatchPipeline(filters, new Selector.MetricBased(ranking, c.dispatchTopK(),
                    random)));
        }
        return new DispatchPolicy("load-balance", pipelines, c.enableCacheAwareScheduling(), false);
    }
}
