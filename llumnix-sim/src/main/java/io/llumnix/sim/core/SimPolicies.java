package io.llumnix.sim.core;

import io.llumnix.scheduler.FailoverScope;
import io.llumnix.scheduler.MetricParams;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SchedulingMetric;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import io.llumnix.sim.latency.LatencyProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster policies a simulation compares, by name, each mapped to the real scheduler's and rescheduler's
 * configuration (nothing here decides anything; the scheduler module does):
 * <ul>
 *   <li>{@code round-robin} — dispatch in turn, no migration;</li>
 *   <li>{@code load-balance} — Llumnix's default load-balance dispatch, no migration;</li>
 *   <li>{@code infaas++} — dispatch to the freest instance (the paper's baseline), no migration; auto-scaling drains
 *       by waiting;</li>
 *   <li>{@code llumnix} — freeness dispatch plus rescheduling by live migration ({@code defrag} on freeness by
 *       default, {@code neutral_failover} to drain instances being scaled down, {@code priority} when priorities are
 *       honoured).</li>
 * </ul>
 * Stateless.
 */
public final class SimPolicies {

    /** Rescheduling policies {@code llumnix} runs by default. */
    public static final List<String> DEFAULT_LLUMNIX_RESCHEDULING = List.of("defrag");

    /** Default freeness below which {@code defrag} migrates out (and above which an instance may receive). */
    public static final double DEFAULT_MIGRATION_FREENESS = 10.0;

    private static final List<String> NAMES = List.of("round-robin", "load-balance", "infaas++", "llumnix");

    private SimPolicies() {}

    public static List<String> names() {
        return NAMES;
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static String checkName(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown simulation policy '" + name + "'; valid policies: " + String.join(", ", NAMES));
        }
        return name;
    }

    /** The latency-model coefficients the scheduler's predicted metrics use, from the profile. */
    static MetricParams metricParams(SimulationConfig c) {
        LatencyProfile p = c.profile();
        return new MetricParams(p.prefillMsPerToken(), p.decodeMsPerSequence(), p.decodeMsPerContextToken() * 1000.0, p.decodeBaseMs(),
                c.priorities() ? c.priorityHeadroomTokens() : 0L);
    }

    /** The dispatch configuration of the run's policy. */
    static SchedulerConfig schedulerConfig(SimulationConfig c) {
        String dispatch = c.policy();
        return SchedulerConfig.builder()
                .schedulingPolicy(dispatch)
                .enableFullModeScheduling(true)
                .dispatchSeed(c.seed())
                .metricParams(metricParams(c))
                .build();
    }

    /** The rescheduling configuration, empty for policies that never migrate. */
    static Optional<ReschedulingConfig> reschedulingConfig(SimulationConfig c) {
        if (!c.policy().equals("llumnix")) {
            return Optional.empty();
        }
        List<String> policies = new ArrayList<>(c.llumnixReschedulingPolicies());
        if (c.priorities() && !policies.contains("priority")) {
            policies.add(0, "priority");
        }
        if (!policies.contains("neutral_failover") && !policies.contains("failover")) {
            policies.add("neutral_failover");
        }
        ReschedulingConfig d = ReschedulingConfig.defaults();
        return Optional.of(new ReschedulingConfig(true, policies, c.reschedulingInterval(),
                SchedulingMetric.FREENESS, -c.migrationFreenessThreshold(),
                SchedulingMetric.FREENESS, -c.migrationFreenessThreshold(),
                MigrationRule.NUM_REQ, RequestOrder.SR, 1.0, d.loadBalanceThreshold(), FailoverScope.INSTANCE,
                Duration.ofSeconds(60), c.migrationFreenessThreshold(), d.consolidationLoadThreshold(), metricParams(c)));
    }
}
