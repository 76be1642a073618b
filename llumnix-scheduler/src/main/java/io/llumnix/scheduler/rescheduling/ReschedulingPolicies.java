package io.llumnix.scheduler.rescheduling;

import io.llumnix.core.InferType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The registry of rescheduling policies by {@code --rescheduling-policies} name: {@code decode_load},
 * {@code neutral_load}, {@code failover}, {@code prefill_failover}, {@code decode_failover},
 * {@code neutral_failover}, {@code defrag}, {@code priority}, {@code binpacking_mitigation},
 * {@code binpacking_consolidation}. Thread-safe (stateless).
 */
public final class ReschedulingPolicies {

    private static final Map<String, Supplier<ReschedulingPolicy>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("decode_load", () -> new ReschedulingPolicy.LoadBalance("decode_load", InferType.DECODE));
        REGISTRY.put("neutral_load", () -> new ReschedulingPolicy.LoadBalance("neutral_load", InferType.NEUTRAL));
        REGISTRY.put("failover", () -> new ReschedulingPolicy.Failover("failover", List.of(InferType.values())));
        REGISTRY.put("prefill_failover",
                () -> new ReschedulingPolicy.Failover("prefill_failover", List.of(InferType.PREFILL)));
        REGISTRY.put("decode_failover",
                () -> new ReschedulingPolicy.Failover("decode_failover", List.of(InferType.DECODE)));
        REGISTRY.put("neutral_failover",
                () -> new ReschedulingPolicy.Failover("neutral_failover", List.of(InferType.NEUTRAL)));
        REGISTRY.put("defrag", ReschedulingPolicy.Defrag::new);
        REGISTRY.put("priority", ReschedulingPolicy.PriorityHeadroom::new);
        REGISTRY.put("binpacking_mitigation", ReschedulingPolicy.BinpackingMitigation::new);
        REGISTRY.put("binpacking_consolidation", ReschedulingPolicy.BinpackingConsolidation::new);
    }

    private ReschedulingPolicies() {}

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static ReschedulingPolicy create(String name) {
        return REGISTRY.get(checkName(name)).get();
    }

    /** Parses a comma-separated {@code --rescheduling-policies} value. */
    public static List<String> parseList(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(ReschedulingPolicies::checkName).toList();
    }

    static String checkName(String name) {
        if (!REGISTRY.containsKey(name)) {
            throw new IllegalArgumentException("unknown rescheduling policy '" + name + "'; valid policies: "
                    + String.join(", ", names()));
        }
        return name;
    }
}
