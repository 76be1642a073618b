package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The dispatch flags, with Llumnix's names where the concept is the same. Built with {@link #builder()};
 * {@link Builder#build()} refuses invalid values and combinations with a message that names the flag and,
 * for enumerated values, lists the valid ones. Immutable.
 *
 * @param schedulingPolicy {@code --scheduling-policy}: one of {@link DispatchPolicies#names()}
 * @param enableFullModeScheduling {@code --enable-full-mode-scheduling}: instances publish status (llumlets);
 *     false is lite mode (only the ledger's in-flight counts are known)
 * @param dispatchTopK {@code --dispatch-top-k}: draw among the K best instead of taking the best
 * @param dispatchNeutralLoadMetric {@code --dispatch-neutral-load-metric}
 * @param dispatchNeutralLoadThreshold {@code --dispatch-neutral-load-threshold} (soft)
 * @param dispatchPrefillLoadMetric {@code --dispatch-prefill-load-metric}
 * @param dispatchPrefillLoadThreshold {@code --dispatch-prefill-load-threshold} (soft)
 * @param dispatchDecodeLoadMetric {@code --dispatch-decode-load-metric}
 * @param dispatchDecodeLoadThreshold {@code --dispatch-decode-load-threshold} (soft)
 * @param enableCacheAwareScheduling {@code --enable-cache-aware-scheduling}: rank neutral and prefill
 *     instances by the cache locality metric first
 * @param dispatchPrefillCacheLocalityMetric {@code --dispatch-prefill-cache-locality-metric}
 * @param kvCacheBlockSize {@code --kv-cache-block-size}: tokens per hashed prompt block
 * @param instanceStaleness {@code --instance-staleness-ms}: a status older than this takes no requests
 * @param failoverScope {@code --failover-scope}
 * @param requestLocalAccountStaleness {@code --request-local-account-staleness-ms}: ledger entries older than
 *     this are dropped in full mode
 * @param cmsPullStatusInterval {@code --cms-pull-status-interval-ms}: snapshot refresh period
 * @param dispatchSeed {@code --dispatch-seed}: seeds top-K draws
 * @param metricParams latency-model coefficients and {@code --priority-headroom-tokens}
 */
public record SchedulerConfig(
        String schedulingPolicy,
        boolean enableFullModeScheduling,
        int dispatchTopK,
        SchedulingMetric dispatchNeutralLoadMetric,
        double dispatchNeutralLoadThreshold,
        SchedulingMetric dispatchPrefillLoadMetric,
        double dispatchPrefillLoadThreshold,
        SchedulingMetric dispatchDecodeLoadMetric,
        double dispatchDecodeLoadThreshold,
        boolean enableCacheAwareScheduling,
        SchedulingMetric dispatchPrefillCacheLocalityMetric,
        int kvCacheBlockSize,
        Duration instanceStaleness,
        FailoverScope failoverScope,
        Duration requestLocalAccountStaleness,
        Duration cmsPullStatusInterval,
        long dispatchSeed,
        MetricParams metricParams) {

    public SchedulerConfig {
        requireNonNull(schedulingPolicy, "schedulingPolicy is null");
        requireNonNull(dispatchNeutralLoadMetric, "dispatchNeutralLoadMetric is null");
        requireNonNull(dispatchPrefillLoadMetric, "dispatchPrefillLoadMetric is null");
        requireNonNull(dispatchDecodeLoadMetric, "dispatchDecodeLoadMetric is null");
        requireNonNull(dispatchPrefillCacheLocalityMetric, "dispatchPrefillCacheLocalityMetric is null");
        requireNonNull(instanceStaleness, "instanceStaleness is null");
        requireNonNull(failoverScope, "failoverScope is null");
        requireNonNull(requestLocalAccountStaleness, "requestLocalAccountStaleness is null");
        requireNonNull(cmsPullStatusInterval, "cmsPullStatusInterval is null");
        requireNonNull(metricParams, "metricParams is null");
        DispatchPolicies.checkName(schedulingPolicy);
        if (dispatchTopK < 1) {
            throw new IllegalArgumentException("--dispatch-top-k must be at least 1, got " + dispatchTopK);
        }
        checkThreshold("--dispatch-neutral-load-threshold", dispatchNeutralLoadThreshold);
        checkThreshold("--dispatch-prefill-load-threshold", dispatchPrefillLoadThreshold);
        checkThreshold("--dispatch-decode-load-threshold", dispatchDecodeLoadThreshold);
        if (kvCacheBlockSize < 1) {
            throw new IllegalArgumentException("--kv-cache-block-size must be at least 1, got " + kvCacheBlockSize);
        }
        checkPositive("--instance-staleness-ms", instanceStaleness);
        checkPositive("--request-local-account-staleness-ms", requestLocalAccountStaleness);
        checkPositive("--cms-pull-status-interval-ms", cmsPullStatusInterval);
        if (enableCacheAwareScheduling && !enableFullModeScheduling) {
            throw new IllegalArgumentException(
                    "--enable-cache-aware-scheduling needs --enable-full-mode-scheduling (lite mode has no cache view)");
        }
        if (!enableFullModeScheduling && DispatchPolicies.needsFullMode(schedulingPolicy)) {
            throw new IllegalArgumentException("--scheduling-policy " + schedulingPolicy
                    + " ranks by instance status and needs --enable-full-mode-scheduling");
        }
    }

    /** Llumnix's defaults (load-balance, full mode). */
    public static SchedulerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.schedulingPolicy = schedulingPolicy;
        b.enableFullModeScheduling = enableFullModeScheduling;
        b.dispatchTopK = dispatchTopK;
        b.dispatchNeutralLoadMetric = dispatchNeutralLoadMetric;
        b.dispatchNeutralLoadThreshold = dispatchNeutralLoadThreshold;
        b.dispatchPrefillLoadMetric = dispatchPrefillLoadMetric;
        b.dispatchPrefillLoadThreshold = dispatchPrefillLoadThreshold;
        b.dispatchDecodeLoadMetric = dispatchDecodeLoadMetric;
        b.dispatchDecodeLoadThreshold = dispatchDecodeLoadThreshold;
        b.enableCacheAwareScheduling = enableCacheAwareScheduling;
        b.dispatchPrefillCacheLocalityMetric = dispatchPrefillCacheLocalityMetric;
        b.kvCacheBlockSize = kvCacheBlockSize;
        b.instanceStaleness = instanceStaleness;
        b.failoverScope = failoverScope;
        b.requestLocalAccountStaleness = requestLocalAccountStaleness;
        b.cmsPullStatusInterval = cmsPullStatusInterval;
        b.dispatchSeed = dispatchSeed;
        b.metricParams = metricParams;
        return b;
    }

    private static void checkThreshold(String flag, double v) {
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException(flag + " is not a number");
        }
    }

    private static void checkPositive(String flag, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(flag + " must be positive, got " + d.toMillis() + " ms");
        }
    }

    /** Mutable builder; string setters parse flag values and refuse unknown names. Not thread-safe. */
    public static final class Builder {
        private String schedulingPolicy = "load-balance";
        private boolean enableFullModeScheduling = true;
        private int dispatchTopK = 1;
        private SchedulingMetric dispatchNeutralLoadMetric = SchedulingMetric.ALL_PREFILLS_TOKENS_NUM;
        private double dispatchNeutralLoadThreshold = 8192;
        private SchedulingMetric dispatchPrefillLoadMetric = SchedulingMetric.ALL_PREFILLS_TOKENS_NUM;
        private double dispatchPrefillLoadThreshold = 2048;
        private SchedulingMetric dispatchDecodeLoadMetric = SchedulingMetric.KV_CACHE_USAGE_RATIO_PROJECTED;
        private double dispatchDecodeLoadThreshold = 1.0;
        private boolean enableCacheAwareScheduling;
        private SchedulingMetric dispatchPrefillCacheLocalityMetric =
                SchedulingMetric.CACHE_AWARE_ALL_PREFILLS_TOKENS_NUM;
        private int kvCacheBlockSize = 16;
        private Duration instanceStaleness = Duration.ofSeconds(60);
        private FailoverScope failoverScope = FailoverScope.INSTANCE;
        private Duration requestLocalAccountStaleness = Duration.ofSeconds(10);
        private Duration cmsPullStatusInterval = Duration.ofMillis(50);
        private long dispatchSeed;
        private MetricParams metricParams = MetricParams.defaults();

        private Builder() {}

        public Builder schedulingPolicy(String v) {
            schedulingPolicy = DispatchPolicies.checkName(v);
            return this;
        }

        public Builder enableFullModeScheduling(boolean v) {
            enableFullModeScheduling = v;
            return this;
        }

        public Builder dispatchTopK(int v) {
            dispatchTopK = v;
            return this;
        }

        public Builder dispatchNeutralLoadMetric(String v) {
            dispatchNeutralLoadMetric = SchedulingMetric.parse(v);
            return this;
        }

        public Builder dispatchNeutralLoadThreshold(double v) {
            dispatchNeutralLoadThreshold = v;
            return this;
        }

        public Builder dispatchPrefillLoadMetric(String v) {
            dispatchPrefillLoadMetric = SchedulingMetric.parse(v);
            return this;
        }

        public Builder dispatchPrefillLoadThreshold(double v) {
            dispatchPrefillLoadThreshold = v;
            return this;
        }

        public Builder dispatchDecodeLoadMetric(String v) {
            dispatchDecodeLoadMetric = SchedulingMetric.parse(v);
            return this;
        }

        public Builder dispatchDecodeLoadThreshold(double v) {
            dispatchDecodeLoadThreshold = v;
            return this;
        }

        public Builder enableCacheAwareScheduling(boolean v) {
            enableCacheAwareScheduling = v;
            return this;
        }

        public Builder dispatchPrefillCacheLocalityMetric(String v) {
            dispatchPrefillCacheLocalityMetric = SchedulingMetric.parse(v);
            return this;
        }

        public Builder kvCacheBlockSize(int v) {
            kvCacheBlockSize = v;
            return this;
        }

        public Builder instanceStaleness(Duration v) {
            instanceStaleness = requireNonNull(v, "instanceStaleness is null");
            return this;
        }

        public Builder failoverScope(String v) {
            failoverScope = FailoverScope.parse(v);
            return this;
        }

        public Builder requestLocalAccountStaleness(Duration v) {
            requestLocalAccountStaleness = requireNonNull(v, "requestLocalAccountStaleness is null");
            return this;
        }

        public Builder cmsPullStatusInterval(Duration v) {
            cmsPullStatusInterval = requireNonNull(v, "cmsPullStatusInterval is null");
            return this;
        }

        public Builder dispatchSeed(long v) {
            dispatchSeed = v;
            return this;
        }

        public Builder metricParams(MetricParams v) {
            metricParams = requireNonNull(v, "metricParams is null");
            return this;
        }

        public SchedulerConfig build() {
            return new SchedulerConfig(schedulingPolicy, enableFullModeScheduling, dispatchTopK,
                    dispatchNeutralLoadMetric, dispatchNeutralLoadThreshold, dispatchPrefillLoadMetric,
                    dispatchPrefillLoadThreshold, dispatchDecodeLoadMetric, dispatchDecodeLoadThreshold,
                    enableCacheAwareScheduling, dispatchPrefillCacheLocalityMetric, kvCacheBlockSize,
                    instanceStaleness, failoverScope, requestLocalAccountStaleness, cmsPullStatusInterval,
                    dispatchSeed, metricParams);
        }
    }
}
