package io.llumnix.scheduler.autoscale;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the cluster's load is aggregated for scaling ({@code --scaling-policy}, Llumnix's names): {@code avg_load}
 * the average freeness of the schedulable instances, {@code max_load} the freeness of the most loaded one.
 */
public enum ScalingPolicy {
    AVG_LOAD("avg_load"),
    MAX_LOAD("max_load");

    private final String flagName;

    ScalingPolicy(String flagName) {
        this.flagName = flagName;
    }

    public String flagName() {
        return flagName;
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static ScalingPolicy parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (ScalingPolicy p : values()) {
            if (p.flagName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown --scaling-policy '" + name + "'; valid: "
                + Arrays.stream(values()).map(ScalingPolicy::flagName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return flagName;
    }
}
