package io.llumnix.sim.core;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.latency.LatencyProfile;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything one simulation run needs besides its workload. Build with {@link #builder(LatencyProfile)}; every knob
 * has the production default where one exists.
 *
 * @param profile step costs and KV geometry of every instance
 * @param instances instances at the start
 * @param policy a {@link SimPolicies} name: {@code round-robin}, {@code load-balance}, {@code infaas++}, {@code llumnix}
 * @param statusInterval least time between two status publications of one instance (the llumlet publishes after
 *     every step, throttled; default 40 ms)
 * @param snapshotInterval how often the scheduler pulls a cluster snapshot ({@code --cms-pull-status-interval-ms},
 *     default 50 ms)
 * @param reschedulingInterval {@code --rescheduling-interval-ms} (default 100 ms, the paper's aggressive setting)
 * @param llumnixReschedulingPolicies rescheduling policies of the {@code llumnix} policy (failover for draining is
 *     always added)
 * @param migrationFreenessThreshold the {@code defrag} policy migrates out of instances whose freeness is below this
 *     and into instances above it
 * @param migration migration stages and slots
 * @param priorities honour request priorities: the engine runs high priority first, the scheduler's freeness reserves
 *     {@code priorityHeadroomTokens} on instances with high-priority load, and {@code llumnix} adds the priority
 *     rescheduling policy
 * @param priorityHeadroomTokens {@code --priority-headroom-tokens} when priorities are honoured
 * @param autoScaling instance auto-scaling, or empty for a fixed cluster
 * @param prefixCaching engine prefix caching (useful only for workloads with shared prefixes)
 * @param seed seeds dispatch tie draws, engine sampling and prompt token ids
 */
public record SimulationConfig(
        LatencyProfile profile,
        int instances,
        String policy,
        Duration statusInterval,
        Duration snapshotInterval,
        Duration reschedulingInterval,
        List<String> llumnixReschedulingPolicies,
        double migrationFreenessThreshold,
        MigrationSettings migration,
        boolean priorities,
        long priorityHeadroomTokens,
        Optional<AutoScalingConfig> autoScaling,
        boolean prefixCaching,
        long seed) {

    public SimulationConfig {
        requireNonNull(profile, "profile is null");
        requireNonNull(policy, "policy is null");
        requireNonNull(statusInterval, "statusInterval is null");
        requireNonNull(snapshotInterval, "snapshotInterval is null");
        requireNonNull(reschedulingInterval, "reschedulingInterval is null");
        llumnixReschedulingPolicies = List.copyOf(llumnixReschedulingPolicies);
        requireNonNull(migration, "migration is null");
        requireNonNull(autoScaling, "autoScaling is null");
        SimPolicies.checkName(policy);
        if (instances < 1) {
            throw new IllegalArgumentException("a cluster needs at least one instance, got " + instances);
        }
        if (statusInterval.isNegative() || snapshotInterval.isNegative() || snapshotInterval.isZero()
                || reschedulingInterval.isNegative() || reschedulingInterval.isZero()) {
            throw new IllegalArgumentException("status interval must be non-negative; snapshot and rescheduling intervals positive");
        }
        if (priorityHeadroomTokens < 0) {
            throw new IllegalArgumentException("priority headroom must be non-negative, got " + priorityHeadroomTokens);
        }
        if (autoScaling.isPresent() && (instances < autoScaling.get().minInstances() || instances > autoScaling.get().maxInstances())) {
            throw new IllegalArgumentException("initial instances " + instances + " outside the scaling range "
                    + autoScaling.get().minInstances() + ".." + autoScaling.get().maxInstances());
        }
    }

    public static Builder builder(LatencyProfile profile) {
        return new Builder(profile);
    }

    public Builder toBuilder() {
        Builder b = new Builder(profile);
        b.instances = instances;
        b.policy = policy;
        b.statusInterval = statusInterval;
        b.snapshotInterval = snapshotInterval;
        b.reschedulingInterval = reschedulingInterval;
        b.llumnixReschedulingPolicies = llumnixReschedulingPolicies;
        b.migrationFreenessThreshold = migrationFreenessThreshold;
        b.migration = migration;
        b.priorities = priorities;
        b.priorityHeadroomTokens = priorityHeadroomTokens;
        b.autoScaling = autoScaling;
        b.prefixCaching = prefixCaching;
        b.seed = seed;
        return b;
    }

    /** Mutable builder with the defaults documented on the record. Not thread-safe. */
    public static final class Builder {
        private final LatencyProfile profile;
        private int instances = 16;
        private String policy = "llumnix";
        private Duration statusInterval = Duration.ofMillis(40);
        private Duration snapshotInterval = Duration.ofMillis(50);
        private Duration reschedulingInterval = Duration.ofMillis(100);
        private List<String> llumnixReschedulingPolicies = SimPolicies.DEFAULT_LLUMNIX_RESCHEDULING;
        private double migrationFreenessThreshold = SimPolicies.DEFAULT_MIGRATION_FREENESS;
        private MigrationSettings migration = MigrationSettings.defaults();
        private boolean priorities;
        private long priorityHeadroomTokens = -1;
        private Optional<AutoScalingConfig> autoScaling = Optional.empty();
        private boolean prefixCaching;
        private long seed;

        private Builder(LatencyProfile profile) {
            this.profile = requireNonNull(profile, "profile is null");
        }

        public Builder instances(int n) {
            instances = n;
            return this;
        }

        public Builder policy(String name) {
            policy = SimPolicies.checkName(name);
            return this;
        }

        public Builder statusInterval(Duration d) {
            statusInterval = d;
            return this;
        }

        public Builder snapshotInterval(Duration d) {
            snapshotInterval = d;
            return this;
        }

        public Builder reschedulingInterval(Duration d) {
            reschedulingInterval = d;
            return this;
        }

        public Builder llumnixReschedulingPolicies(List<String> policies) {
            llumnixReschedulingPolicies = List.copyOf(policies);
            return this;
        }

        public Builder migrationFreenessThreshold(double v) {
            migrationFreenessThreshold = v;
            return this;
        }

        public Builder migration(MigrationSettings m) {
            migration = m;
            return this;
        }

        public Builder priorities(boolean on) {
            priorities = on;
            return this;
        }

        /**
         * Headroom tokens; by default 1/48 of one instance's KV capacity (263 tokens, 16 blocks, on the paper's A10).
         * Small on purpose: the engine preempts normal requests to admit a high-priority one, so the headroom only
         * steers normal load away from high-priority hosts; every reserved token is capacity normal requests lose
         * (a twelfth made normal requests up to 13% slower near saturation, for no high-priority gain).
         */
        public Builder priorityHeadroomTokens(long tokens) {
            priorityHeadroomTokens = tokens;
            return this;
        }

        public Builder autoScaling(AutoScalingConfig c) {
            autoScaling = Optional.of(c);
            return this;
        }

        public Builder noAutoScaling() {
            autoScaling = Optional.empty();
            return this;
        }

        public Builder prefixCaching(boolean on) {
            prefixCaching = on;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public SimulationConfig build() {
            long headroom = priorityHeadroomTokens >= 0 ? priorityHeadroomTokens : profile.kvCapacityTokens() / 48;
            return new SimulationConfig(profile, instances, policy, statusInterval, snapshotInterval, reschedulingInterval,
                    llumnixReschedulingPolicies, migrationFreenessThreshold, migration, priorities, headroom, autoScaling,
                    prefixCaching, seed);
        }
    }
}
