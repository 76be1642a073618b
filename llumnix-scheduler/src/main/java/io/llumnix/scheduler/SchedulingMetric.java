package io.llumnix.scheduler;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The load metrics a dispatch or rescheduling policy ranks instances by, with Llumnix's names. Lower is
 * better unless {@link #higherIsBetter()}. Every metric adds the instance's in-flight dispatches from the
 * {@link DispatchLedger} (requests and prompt tokens not yet visible in its status) — the "instant and accurate
 * load". In lite mode (no status) only the ledger contributes.
 *
 * <p>Values are never NaN; an unschedulable instance has freeness −∞ (the paper's infinite virtual usage of a
 * terminating instance).
 */
public enum SchedulingMetric {

    /** Waiting + running + loading requests, plus in-flight dispatches. */
    NUM_REQUESTS("num_requests", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.numRequests + inReq;
        }
    },
    /** KV tokens held, plus prompt tokens still to prefill, plus in-flight prompt tokens. */
    NUM_TOKENS("num_tokens", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.usedTokens + l.waitingPrefillTokens + inTok;
        }
    },
    /** Queued requests, plus in-flight dispatches (they will queue first). */
    NUM_WAITING_REQUESTS("num_waiting_requests", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.numWaiting + inReq;
        }
    },
    /**
     * KV usage if this request were placed here: (used + waiting prefills + in-flight + this prompt) /
     * capacity. When the capacity is unknown (lite mode without {@code maxTokens}) the denominator is 1, so
     * the metric degrades to a token count and still ranks instances.
     */
    KV_CACHE_USAGE_RATIO_PROJECTED("kv_cache_usage_ratio_projected", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            double capacity = l.totalTokens > 0 ? l.totalTokens : 1.0;
            return (l.usedTokens + l.waitingPrefillTokens + inTok + prompt) / capacity;
        }
    },
    /** Running decodes, plus in-flight dispatches (each will join the decode batch). */
    DECODE_BATCH_SIZE("decode_batch_size", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.numDecodes + inReq;
        }
    },
    /** Uncomputed prompt tokens of waiting and running prefills, plus in-flight prompt tokens. */
    ALL_PREFILLS_TOKENS_NUM("all_prefills_tokens_num", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.waitingPrefillTokens + l.runningPrefillTokens + inTok;
        }
    },
    /** Context tokens of running decodes, plus in-flight prompt tokens (they become decode context). */
    ALL_DECODES_TOKENS_NUM("all_decodes_tokens_num", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.decodeTokens + inTok;
        }
    },
    /** Prompt tokens already in this instance's prefix cache (higher is better). */
    KV_CACHE_HIT_LEN("kv_cache_hit_len", true) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return hit;
        }
    },
    /**
     * {@code all_prefills_tokens_num} plus this request's uncached prompt tokens. With no cache hit the miss is
     * the whole prompt — never 0 (a reference bug scored a cold instance as free).
     */
    CACHE_AWARE_ALL_PREFILLS_TOKENS_NUM("cache_aware_all_prefills_tokens_num", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return l.waitingPrefillTokens + l.runningPrefillTokens + inTok + Math.max(0, prompt - hit);
        }
    },
    /**
     * Predicted time to first token, ms: every prefill token queued ahead plus this request's miss, at
     * {@code prefillMsPerToken}, plus one decode step of the current batch (prefills interleave with it).
     */
    PREDICTED_TTFT("predicted_ttft", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            double queued = l.waitingPrefillTokens + l.runningPrefillTokens + inTok + Math.max(0, prompt - hit);
            return queued * p.prefillMsPerToken() + decodeStepMs(l, inReq, inTok, 0, p);
        }
    },
    /** Predicted time per output token, ms: one decode step with this request added to the batch. */
    PREDICTED_TPOT("predicted_tpot", false) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            return decodeStepMs(l, inReq + 1, inTok, prompt, p);
        }
    },
    /**
     * The paper's freeness F = (M − ΣV) / B (higher is better): M the KV capacity, ΣV the virtual usage —
     * tokens held, plus the head-of-line waiting request's demand when requests queue (de-fragmentation), plus
     * in-flight prompt tokens, plus the high-priority headroom when the instance holds high-priority requests
     * — and B the batch size (running plus in-flight, at least 1). An unschedulable (terminating) instance has
     * infinite virtual usage: F = −∞.
     */
    FREENESS("freeness", true) {
        @Override
        double compute(InstanceLoad l, long inReq, long inTok, long prompt, long hit, MetricParams p) {
            if (!l.schedulable) {
                return Double.NEGATIVE_INFINITY;
            }
            double virtualUsage = l.usedTokens + inTok;
            if (l.numWaiting > 0) {
                virtualUsage += (double) l.headBlocks * l.blockSize;
            }
            if (l.highPriorityUsedTokens > 0) {
                virtualUsage += p.priorityHeadroomTokens();
            }
            double batch = Math.max(1, l.numRunning + inReq);
            return (l.totalTokens - virtualUsage) / batch;
        }
    };

    private final String flagName;
    private final boolean higherIsBetter;

    SchedulingMetric(String flagName, boolean higherIsBetter) {
        this.flagName = flagName;
        this.higherIsBetter = higherIsBetter;
    }

    /** The metric's value for one instance; never NaN. */
    abstract double compute(InstanceLoad l, long inflightRequests, long inflightTokens, long promptTokens,
            long hitTokens, MetricParams p);

    /** The name used in flags and reports, e.g. {@code kv_cache_usage_ratio_projected}. */
    public String flagName() {
        return flagName;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** A cost where lower is better, for comparison: the value, negated for higher-is-better metrics. */
    double cost(double value) {
        double c = higherIsBetter ? -value : value;
        return Double.isNaN(c) ? Double.POSITIVE_INFINITY : c;
    }

    /**
     * Parses a metric's flag name.
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static SchedulingMetric parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (SchedulingMetric m : values()) {
            if (m.flagName.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown scheduling metric '" + name + "'; valid metrics: " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(SchedulingMetric::flagName).collect(Collectors.joining(", "));
    }

    private static double decodeStepMs(InstanceLoad l, long batchExtra, long inTok, long prompt, MetricParams p) {
        double batch = l.numDecodes + batchExtra;
        double context = l.decodeTokens + inTok + prompt;
        return p.decodeMsBase() + p.decodeMsPerSequence() * batch + p.decodeMsPerKiloToken() * context / 1000.0;
    }

    @Override
    public String toString() {
        return flagName;
    }
}
