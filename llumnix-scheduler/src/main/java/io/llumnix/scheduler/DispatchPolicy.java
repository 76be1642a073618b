package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import java.util.EnumMap;
import java.util.Map;

/**
 * A named dispatch policy: one {@link DispatchPipeline} (filters → selector) per infer type. Created by
 * {@link DispatchPolicies}. Immutable and thread-safe.
 */
public final class DispatchPolicy {

    private final String name;
    private final EnumMap<InferType, DispatchPipeline> pipelines;
    private final boolean usesCacheLocality;
    private final boolean migrates;

    DispatchPolicy(String name, Map<InferType, DispatchPipeline> pipelines, boolean usesCacheLocality,
            boolean migrates) {
        this.name = requireNonNull(name, "name is null");
        this.pipelines = new EnumMap<>(pipelines);
        for (InferType t : InferType.values()) {
            if (!this.pipelines.containsKey(t)) {
                throw new IllegalArgumentException("policy " + name + " has no pipeline for " + t);
            }
        }
        this.usesCacheLocality = usesCacheLocality;
        this.migrates = migrates;
    }

    public String name() {
        return name;
    }

    /** Whether decisions consult the prefix-cache index (cache-aware metrics). */
    public boolean usesCacheLocality() {
        return usesCacheLocality;
    }

    /** Whether the policy is meant to run with the rescheduler ({@code llumnix}); {@code infaas++} is not. */
    public boolean migrates() {
        return migrates;
    }

    DispatchPipeline pipeline(InferType type) {
        return pipelines.get(type);
    }

    @Override
    public String toString() {
        return name;
    }
}
