package io.llumnix.cli;

import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SchedulingMetric;
import io.llumnix.scheduler.autoscale.AutoscaleConfig;
import io.llumnix.scheduler.autoscale.ScalingPolicy;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import io.llumnix.scheduler.rescheduling.ReschedulingPolicies;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The scheduling, rescheduling and auto-scaling flags of {@code llumnix serve}, with Llumnix's names, turned into
 * the scheduler module's typed configurations. Parsing and validation are those configurations' own; an invalid
 * value or combination becomes a one-line {@link UserException} naming the flag.
 *
 * <p>Defaults differ from Llumnix's where serve's instances differ: every child is a {@code neutral} instance with a
 * llumlet, so full mode and rescheduling are on, with {@code neutral_load} and {@code neutral_failover} (the latter
 * drains unschedulable instances, which is how auto-scaling empties an instance before stopping it).
 *
 * <p>Not thread-safe (picocli fills it in).
 */
final class ServeSchedulingOptions {

    @Option(names = "--enable-full-mode-scheduling", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Schedule by the instances' live status, pulled from their llumlets (default: enabled). Off: lite mode, "
                    + "by the scheduler's own in-flight counts; no rescheduling.")
    boolean enableFullModeScheduling = true;

    @Option(names = "--scheduling-policy", paramLabel = "NAME", defaultValue = "load-balance",
            description = "Dispatch policy: round-robin, load-balance, flood, infaas++ or llumnix (default ${DEFAULT-VALUE}).")
    String schedulingPolicy = "load-balance";

    @Option(names = "--dispatch-top-k", paramLabel = "K", description = "Draw among the K best instances (default 1).")
    Optional<Integer> dispatchTopK = Optional.empty();

    @Option(names = "--dispatch-neutral-load-metric", paramLabel = "METRIC", description = "Load metric ranking neutral instances.")
    Optional<String> dispatchNeutralLoadMetric = Optional.empty();

    @Option(names = "--dispatch-neutral-load-threshold", paramLabel = "X", description = "Soft load limit of a neutral instance.")
    Optional<Double> dispatchNeutralLoadThreshold = Optional.empty();

    @Option(names = "--dispatch-seed", paramLabel = "SEED", description = "Seeds --dispatch-top-k draws (default 0).")
    Optional<Long> dispatchSeed = Optional.empty();

    @Option(names = "--cms-pull-status-interval-ms", paramLabel = "MS", defaultValue = "40",
            description = "How often the instances' status is pulled and the scheduler's snapshot refreshed (default ${DEFAULT-VALUE}).")
    long cmsPullStatusIntervalMs = 40;

    @Option(names = "--enable-rescheduling", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Rebalance running requests by live migration (default: enabled; needs full mode).")
    boolean enableRescheduling = true;

    static final String DEFAULT_POLICIES = "neutral_load,neutral_failover";
    static final String DEFAULT_PD_POLICIES = "decode_load,decode_failover,prefill_failover";

    @Option(names = "--rescheduling-policies", paramLabel = "P1,P2", defaultValue = DEFAULT_POLICIES,
            description = "Rescheduling policies, comma separated (default ${DEFAULT-VALUE}; " + DEFAULT_PD_POLICIES
                    + " with --pd-disagg-protocol).")
    String reschedulingPolicies = DEFAULT_POLICIES;

    /** Set by serve: the instances are prefill and decode ones, so the default policies are the disaggregated ones. */
    boolean pdDisagg;

    @Option(names = "--rescheduling-interval-ms", paramLabel = "MS", defaultValue = "500",
            description = "Period of the rescheduling loop (default ${DEFAULT-VALUE}).")
    long reschedulingIntervalMs = 500;

    @Option(names = "--rescheduling-neutral-load-metric", paramLabel = "METRIC",
            description = "Load metric neutral_load balances (default kv_cache_usage_ratio_projected).")
    Optional<String> reschedulingNeutralLoadMetric = Optional.empty();

    @Option(names = "--rescheduling-neutral-load-threshold", paramLabel = "X",
            description = "A migration destination must stay below this load (default 1.0).")
    Optional<Double> reschedulingNeutralLoadThreshold = Optional.empty();

    @Option(names = "--rescheduling-req-select-rule", paramLabel = "RULE", description = "NUM_REQ, TOKEN or RATIO (default TOKEN).")
    Optional<String> reschedulingReqSelectRule = Optional.empty();

    @Option(names = "--rescheduling-req-select-order", paramLabel = "ORDER",
            description = "LCR, FCR, LR, SR, FCW or FCWSR (default SR).")
    Optional<String> reschedulingReqSelectOrder = Optional.empty();

    @Option(names = "--rescheduling-req-select-value", paramLabel = "X", description = "How much the rule selects (default 1).")
    Optional<Double> reschedulingReqSelectValue = Optional.empty();

    @Option(names = "--rescheduling-load-balance-threshold", paramLabel = "X",
            description = "Migrate only when the source's load exceeds the destination's by more than this (default 0.01).")
    Optional<Double> reschedulingLoadBalanceThreshold = Optional.empty();

    @Option(names = "--autoscale", description = "Start and drain engine instances on the auto-scaling advice (paper §4.4).")
    boolean autoscale;

    @Option(names = "--min-instances", paramLabel = "N", defaultValue = "1", description = "With --autoscale: fewest instances (default ${DEFAULT-VALUE}).")
    int minInstances = 1;

    @Option(names = "--max-instances", paramLabel = "N", description = "With --autoscale: most instances (default: twice --instances).")
    Optional<Integer> maxInstances = Optional.empty();

    @Option(names = "--scaling-policy", paramLabel = "NAME", defaultValue = "avg_load",
            description = "avg_load or max_load (default ${DEFAULT-VALUE}).")
    String scalingPolicy = "avg_load";

    @Option(names = "--scale-up-threshold", paramLabel = "FREENESS", defaultValue = "10",
            description = "Scale up while the freeness stays below this (default ${DEFAULT-VALUE}).")
    double scaleUpThreshold = 10;

    @Option(names = "--scale-down-threshold", paramLabel = "FREENESS", defaultValue = "60",
            description = "Scale down while the freeness stays above this (default ${DEFAULT-VALUE}).")
    double scaleDownThreshold = 60;

    @Option(names = "--scaling-duration-ms", paramLabel = "MS", defaultValue = "10000",
            description = "How long the load must stay out of range before acting (default ${DEFAULT-VALUE}).")
    long scalingDurationMs = 10_000;

    Duration pullInterval() {
        return valid(() -> {
            if (cmsPullStatusIntervalMs <= 0) {
                throw new IllegalArgumentException("--cms-pull-status-interval-ms must be positive, got " + cmsPullStatusIntervalMs);
            }
            return Duration.ofMillis(cmsPullStatusIntervalMs);
        });
    }

    SchedulerConfig schedulerConfig() {
        return valid(() -> {
            SchedulerConfig.Builder b = SchedulerConfig.builder()
                    .schedulingPolicy(schedulingPolicy)
                    .enableFullModeScheduling(enableFullModeScheduling)
                    .cmsPullStatusInterval(pullInterval());
            dispatchTopK.ifPresent(b::dispatchTopK);
            dispatchNeutralLoadMetric.ifPresent(b::dispatchNeutralLoadMetric);
            dispatchNeutralLoadThreshold.ifPresent(b::dispatchNeutralLoadThreshold);
            dispatchSeed.ifPresent(b::dispatchSeed);
            return b.build();
        });
    }

    /** The rescheduling configuration, checked against {@code scheduler}; disabled in lite mode unless asked for. */
    ReschedulingConfig reschedulingConfig(SchedulerConfig scheduler) {
        return valid(() -> {
            ReschedulingConfig d = ReschedulingConfig.defaults();
            boolean enabled = enableRescheduling && scheduler.enableFullModeScheduling() && !scheduler.schedulingPolicy().equals("infaas++");
            ReschedulingConfig c = new ReschedulingConfig(enabled, ReschedulingPolicies.parseList(
                    pdDisagg && reschedulingPolicies.equals(DEFAULT_POLICIES) ? DEFAULT_PD_POLICIES : reschedulingPolicies),
                    Duration.ofMillis(reschedulingIntervalMs), d.decodeLoadMetric(), d.decodeLoadThreshold(),
                    reschedulingNeutralLoadMetric.map(SchedulingMetric::parse).orElse(d.neutralLoadMetric()),
                    reschedulingNeutralLoadThreshold.orElse(d.neutralLoadThreshold()),
                    reschedulingReqSelectRule.map(MigrationRule::parse).orElse(d.reqSelectRule()),
                    reschedulingReqSelectOrder.map(RequestOrder::parse).orElse(d.reqSelectOrder()),
                    reschedulingReqSelectValue.orElse(d.reqSelectValue()),
                    reschedulingLoadBalanceThreshold.orElse(d.loadBalanceThreshold()), scheduler.failoverScope(),
                    scheduler.instanceStaleness(), d.defragFreenessThreshold(), d.consolidationLoadThreshold(), scheduler.metricParams());
            c.checkCompatibleWith(scheduler);
            return c;
        });
    }

    /** With {@code --autoscale}: the advisor's configuration ({@code instances} is serve's starting count). */
    Optional<AutoscaleConfig> autoscaleConfig(SchedulerConfig scheduler, int instances) {
        if (!autoscale) {
            return Optional.empty();
        }
        return Optional.of(valid(() -> {
            if (!scheduler.enableFullModeScheduling()) {
                throw new IllegalArgumentException("--autoscale needs --enable-full-mode-scheduling (it scales by the instances' freeness)");
            }
            int max = maxInstances.orElse(Math.max(2 * instances, minInstances));
            if (instances < minInstances || instances > max) {
                throw new IllegalArgumentException("--instances " + instances + " must be within --min-instances " + minInstances
                        + " and --max-instances " + max);
            }
            if (minInstances < 1) {
                throw new IllegalArgumentException("--min-instances must be at least 1 for serve, got " + minInstances);
            }
            return new AutoscaleConfig(ScalingPolicy.parse(scalingPolicy), scaleUpThreshold, scaleDownThreshold,
                    Duration.ofMillis(scalingDurationMs), minInstances, max, scheduler.metricParams());
        }));
    }

    private static <T> T valid(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }
}
