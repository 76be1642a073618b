package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mirrors a sampled fraction of accepted requests to a shadow pool, fire and forget ({@link TrafficPolicy.Mirror}):
 * {@link #offer} only starts an asynchronous request and returns, the shadow's answer is read and discarded, and
 * nothing about it reaches the client's response. A slot limit bounds the outstanding mirrored requests; a sampled
 * request that finds no slot is dropped. Mirrored requests use a connection pool of their own, so a slow shadow
 * cannot hold connections the primary traffic needs. Outcomes are counted in {@code /metrics}: mirrored (sent),
 * dropped, failed (connection error, timeout or a non-2xx answer).
 *
 * <p>Thread-safe; {@link #offer} never blocks.
 */
final class RequestMirror {

    /** Header marking a mirrored request, so the shadow can tell it from primary traffic. */
    static final String MIRROR_HEADER = "X-Llumnix-Mirror";

    private final TrafficPolicy.Mirror policy;
    private final List<URI> targets;
    private final long seed;
    private final HttpClientAgent client;
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicLong turn = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter mirrored;
    private final Counter dropped;
    private final Counter failed;

    RequestMirror(Vertx vertx, TrafficPolicy.Mirror policy, long seed, MeterRegistry registry) {
        this.policy = requireNonNull(policy, "policy is null");
        this.targets = policy.targets().stream().map(TrafficPolicy::hostPort).toList();
        // A different stream from the pool draws, so sampling and pool choice are independent.
        this.seed = seed ^ 0x5DEECE66DL;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, policy.timeout().toMillis())),
                new PoolOptions().setHttp1MaxSize(policy.maxInFlight()));
        Gauge.builder("llumnix_gateway_mirror_in_flight", inFlight, AtomicInteger::get).description("Mirrored requests outstanding")
                .register(registry);
        mirrored = Counter.builder("llumnix_gateway_mirrored").description("Requests mirrored to the shadow pool").register(registry);
        dropped = Counter.builder("llumnix_gateway_mirror_dropped").description("Sampled requests not mirrored: every mirror slot was busy")
                .register(registry);
        failed = Counter.builder("llumnix_gateway_mirror_failed")
                .description("Mirrored requests that failed: connection error, timeout or a non-2xx answer").register(registry);
    }

    /** Samples the request and, when chosen and a slot is free, sends {@code body} to {@code path} on the next shadow. */
    void offer(String path, byte[] body) {
        if (PoolSplitter.unit(seed, arrivals.getAndIncrement()) >= policy.fraction()) {
            return;
        }
        if (inFlight.incrementAndGet() > policy.maxInFlight()) {
            inFlight.decrementAndGet();
            dropped.increment();
            return;
        }
        mirrored.increment();
        URI target = targets.get((int) Math.floorMod(turn.getAndIncrement(), (long) targets.size()));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.getHost()).setPort(target.getPort())
                .setURI(path).setConnectTimeout(policy.timeout().toMillis()).setIdleTimeout(policy.timeout().toMillis())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(MIRROR_HEADER, "1");
        Buffer payload = Buffer.buffer(body);
        boolean[] released = {false};
        Runnable release = () -> {
            if (!released[0]) {
                released[0] = true;
                inFlight.decrementAndGet();
            }
        };
        try {
            client.request(options)
                    .compose(r -> r.send(payload))
                    .compose(answer -> {
                        answer.handler(chunk -> {}); // read and drop, streams included
                        return answer.end().compose(v -> answer.statusCode() / 100 == 2 ? Future.succeededFuture()
                                : Future.failedFuture("shadow answered " + answer.statusCode()));
                    })
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            failed.increment();
                        }
                        release.run();
                    });
        } catch (RuntimeException e) {
            // e.g. the gateway is closing: the client's request is unaffected.
            failed.increment();
            release.run();
        }
    }

    /** Mirrored requests outstanding. */
    int inFlight() {
        return inFlight.get();
    }
}
