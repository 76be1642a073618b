package io.llumnix.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics ({@code GET /metrics}): requests by route and status, end-to-end latency and
 * time to first byte as histograms, requests in flight and queued, and the events that keep requests alive —
 * retries, resumes after an instance failure, migrations followed, scheduler fallbacks, refusals by rate limit
 * and admission.
 *
 * <p>Thread-safe.
 */
final class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConcurrentHashMap<String, Counter> requests = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer latency;
    private final Timer firstByte;
    private final DistributionSummary completionTokens;
    private final Counter retries;
    private final Counter resumes;
    private final Counter migrationsFollowed;
    private final Counter rateLimited;
    private final Counter admissionRefused;

    GatewayMetrics(Supplier<Number> queued, Supplier<Number> schedulerFallbacks) {
        Gauge.builder("llumnix_gateway_requests_in_flight", inFlight, AtomicInteger::get)
                .description("Requests being served (admitted, not yet answered)").register(registry);
        // Micrometer holds gauge state weakly: the suppliers are lambdas nothing else references, so without a
        // strong reference they are collected and the gauge reads NaN.
        Gauge.builder("llumnix_gateway_admission_queued", queued, s -> s.get().doubleValue()).strongReference(true)
                .description("Requests waiting for admission").register(registry);
        Gauge.builder("llumnix_gateway_scheduler_fallbacks", schedulerFallbacks, s -> s.get().doubleValue()).strongReference(true)
                .description("Instances picked by local round robin while the scheduler was unreachable").register(registry);
        latency = Timer.builder("llumnix_gateway_request_duration").description("Arrival to last byte of completion requests")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        firstByte = Timer.builder("llumnix_gateway_time_to_first_byte").description("Arrival to the first byte sent to the client")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        completionTokens = DistributionSummary.builder("llumnix_gateway_completion_tokens").description("Tokens generated per request")
                .register(registry);
        retries = counter("llumnix_gateway_retries", "Attempts repeated on another instance before the first byte reached the client");
        resumes = counter("llumnix_gateway_resumes", "Streams resumed on another instance from the tokens generated so far");
        migrationsFollowed = counter("llumnix_gateway_migrations_followed", "Live migrations followed to the destination instance");
        rateLimited = counter("llumnix_gateway_rate_limited", "Requests refused by a per-key rate limit");
        admissionRefused = counter("llumnix_gateway_admission_refused", "Requests refused because the admission queue was full");
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    void requestFinished(String route, int status, long nanos) {
        requests.computeIfAbsent(route + " " + status, k -> Counter.builder("llumnix_gateway_requests").description("Requests answered")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry)).increment();
        if (nanos >= 0) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void firstByte(long nanos) {
        firstByte.record(nanos, TimeUnit.NANOSECONDS);
    }

    void completionTokens(int n) {
        completionTokens.record(n);
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    void retry() {
        retries.increment();
    }

    void resume() {
        resumes.increment();
    }

    void migrationFollowed() {
        migrationsFollowed.increment();
    }

    void rateLimited() {
        rateLimited.increment();
    }

    void admissionRefused() {
        admissionRefused.increment();
    }

    double resumes() {
        return resumes.count();
    }

    double retries() {
        return retries.count();
    }

    double migrationsFollowed() {
        return migrationsFollowed.count();
    }

    /** The registry, for components that keep meters of their own (traffic split, mirroring). */
    io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    String scrape() {
        return registry.scrape();
    }
}
