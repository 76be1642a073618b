package io.llumnix.scheduler;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How far a failure spreads ({@code --failover-scope}): a request that failed on an instance avoids that
 * instance, every instance on its node, or every instance in its unit; and the failover rescheduling policy
 * drains the same domain.
 */
public enum FailoverScope {
    INSTANCE,
    NODE,
    UNIT;

    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static FailoverScope parse(String name) {
        for (FailoverScope s : values()) {
            if (s.flagName().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown --failover-scope '" + name + "'; valid: "
                + Arrays.stream(values()).map(FailoverScope::flagName).collect(Collectors.joining(", ")));
    }
}
