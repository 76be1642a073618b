package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.FinishReason;
import io.llumnix.engine.EngineSnapshot;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's Prometheus metrics under vLLM's names, so dashboards and lite-mode schedulers built for vLLM
 * read this engine unchanged. Gauges and token counters come from the latest {@link EngineSnapshot};
 * latency histograms are measured by the server from the times on the engine's events.
 *
 * <p>Thread-safe: observations may come from any thread; {@link #render} reads a consistent-enough view.
 */
final class ServerMetrics {

    // vLLM's bucket bounds (vllm/v1/metrics/loggers.py), with a few sub-10 ms bounds added for ITL because
    // a CPU engine on a tiny model decodes well under 10 ms per token.
    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
            7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] ITL_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] E2E_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
            120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

    private final String labels;
    private final LatencyHistogram timeToFirstToken = new LatencyHistogram(TTFT_BUCKETS);
    private final LatencyHistogram interTokenLatency = new LatencyHistogram(ITL_BUCKETS);
    private final LatencyHistogram e2eLatency = new LatencyHistogram(E2E_BUCKETS);
    private final Map<FinishReason, LongAdder> finished = new EnumMap<>(FinishReason.class);
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    ServerMetrics(String servedModelName) {
        this.labels = PrometheusText.label("model_name", requireNonNull(servedModelName, "servedModelName is null"));
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, new LongAdder());
        }
    }

    void timeToFirstToken(long nanos) {
        timeToFirstToken.observeNanos(nanos);
    }

    void interTokenLatency(long nanos) {
        interTokenLatency.observeNanos(nanos);
    }

    void requestFinished(FinishReason reason, long e2eNanos) {
        finished.get(reason).increment();
        e2eLatency.observeNanos(e2eNanos);
    }

    void requestFailed() {
        failed.increment();
    }

    void requestRejected() {
        rejected.increment();
    }

    String render(EngineSnapshot s) {
        PrometheusText out = new PrometheusText();
        out.family("vllm:num_requests_running", "gauge", "Number of requests in the running batch.")
                .sample("vllm:num_requests_running", labels, s.numRunning());
        out.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be admitted.")
                .sample("vllm:num_requests_waiting", labels, s.numWaiting());
        out.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage: fraction of blocks referenced by live sequences (1 = 100%).")
                .sample("vllm:kv_cache_usage_perc", labels, s.kvUsage());
        counter(out, "vllm:prefix_cache_queries", "Prompt tokens looked up in the prefix cache.", s.prefixCacheQueryTokens());
        counter(out, "vllm:prefix_cache_hits", "Prompt tokens found in the prefix cache.", s.prefixCacheHitTokens());
        counter(out, "vllm:num_preemptions", "Cumulative preemptions (by recompute).", s.numPreemptions());
        counter(out, "vllm:prompt_tokens", "Prompt tokens of finished requests.", s.promptTokensTotal());
        counter(out, "vllm:generation_tokens", "Generated tokens.", s.generationTokensTotal());

        out.family("vllm:request_success", "counter", "Requests that finished, by reason.");
        for (Map.Entry<FinishReason, LongAdder> e : finished.entrySet()) {
            out.sample("vllm:request_success_total", labels, "finished_reason", e.getKey().openAiName(), e.getValue().sum());
        }
        out.family("vllm:time_to_first_token_seconds", "histogram", "Time from receiving a request to its first token.");
        timeToFirstToken.writeTo(out, "vllm:time_to_first_token_seconds", labels);
        out.family("vllm:inter_token_latency_seconds", "histogram", "Time between consecutive tokens of a request.");
        interTokenLatency.writeTo(out, "vllm:inter_token_latency_seconds", labels);
        out.family("vllm:e2e_request_latency_seconds", "histogram", "Time from receiving a request to its last token.");
        e2eLatency.writeTo(out, "vllm:e2e_request_latency_seconds", labels);

        out.family("llumnix:num_kv_blocks", "gauge", "KV blocks, by state (used, cached_free, free, total).");
        out.sample("llumnix:num_kv_blocks", labels, "state", "used", s.numUsedBlocks());
        out.sample("llumnix:num_kv_blocks", labels, "state", "cached_free", s.numCachedFreeBlocks());
        out.sample("llumnix:num_kv_blocks", labels, "state", "free", s.numFreeBlocks());
        out.sample("llumnix:num_kv_blocks", labels, "state", "total", s.numTotalBlocks());
        out.family("llumnix:engine_steps", "counter", "Engine steps taken.")
                .sample("llumnix:engine_steps_total", labels, s.stepId());
        counter(out, "llumnix:requests_failed", "Requests that failed inside the engine.", failed.sum());
        counter(out, "llumnix:requests_rejected", "Requests refused before reaching the engine (4xx).", rejected.sum());
        return out.toString();
    }

    /** A counter as prometheus_client (hence vLLM) exposes it: family without, sample with {@code _total}. */
    private void counter(PrometheusText out, String family, String help, long value) {
        out.family(family, "counter", help).sample(family + "_total", labels, value);
    }
}
