package io.llumnix.scheduler.service;

import static java.util.Objects.requireNonNull;

import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.SchedulerClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A gateway's handle on a remote {@link SchedulerHttpService}: the same {@link SchedulerClient} contract as the
 * in-process {@link io.llumnix.scheduler.Scheduler}. Identifies itself by a gateway id and keeps its lease alive
 * with a keepalive every {@code keepaliveInterval} (on a virtual thread), so that if this gateway dies the
 * scheduler reclaims the in-flight entries of the requests it placed.
 *
 * <p>Never throws for an unreachable or failing scheduler: {@link #schedule} answers
 * {@link ScheduleDecision.NoInstance} naming the failure, {@link #release} answers false. Thread-safe.
 */
public final class HttpSchedulerClient implements SchedulerClient, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpSchedulerClient.class);

    private final URI base;
    private final String gatewayId;
    private final String authToken;
    private final Duration callTimeout;
    private final HttpClient http;
    private final JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final Thread keepalive;
    private final AtomicLong keepaliveFailures = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param base the service's base URI, e.g. {@code http://127.0.0.1:8090}
     * @param gatewayId this gateway's id, unique among the gateways of one scheduler
     * @param authToken the internal auth token; empty for none
     * @param keepaliveInterval how often to renew the lease (well under the service's lease timeout)
     * @param callTimeout how long one call may take
     */
    public HttpSchedulerClient(URI base, String gatewayId, String authToken, Duration keepaliveInterval, Duration callTimeout) {
        this.base = requireNonNull(base, "base is null");
        this.gatewayId = requireNonNull(gatewayId, "gatewayId is null");
        this.authToken = requireNonNull(authToken, "authToken is null");
        this.callTimeout = requireNonNull(callTimeout, "callTimeout is null");
        requireNonNull(keepaliveInterval, "keepaliveInterval is null");
        if (gatewayId.isBlank()) {
            throw new IllegalArgumentException("gateway id must not be blank");
        }
        if (keepaliveInterval.isNegative() || keepaliveInterval.isZero() || callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("keepalive interval and call timeout must be positive");
        }
        this.http = HttpClient.newBuilder().connectTimeout(callTimeout).version(HttpClient.Version.HTTP_1_1).build();
        long periodNanos = keepaliveInterval.toNanos();
        this.keepalive = Thread.ofVirtual().name("scheduler-keepalive-" + gatewayId).start(() -> {
            while (!closed) {
                keepaliveOnce();
                LockSupport.parkNanos(periodNanos);
            }
        });
    }

    @Override
    public ScheduleDecision schedule(ScheduleRequest request) {
        requireNonNull(request, "request is null");
        Wire.ScheduleCall call = new Wire.ScheduleCall(gatewayId, request.requestId(), request.targetType(), request.promptTokens(),
                request.blockHashes(), request.role(), List.copyOf(request.excludedInstanceIds()), request.priority());
        try {
            Wire.ScheduleReply reply = post("/v1/schedule", call, Wire.ScheduleReply.class);
            if (reply.dispatched() && reply.instanceId() != null && reply.instance() != null) {
                return new ScheduleDecision.Dispatched(reply.instanceId(), reply.instance(), reply.fallback());
            }
            return new ScheduleDecision.NoInstance(reply.reason() == null ? "the scheduler placed the request nowhere" : reply.reason());
        } catch (SchedulerCallException e) {
            return new ScheduleDecision.NoInstance("scheduler " + base + " unreachable: " + e.getMessage());
        }
    }

    @Override
    public boolean release(String requestId) {
        requireNonNull(requestId, "requestId is null");
        try {
            return post("/v1/release", new Wire.ReleaseCall(gatewayId, requestId), Wire.ReleaseReply.class).released();
        } catch (SchedulerCallException e) {
            log.warn("could not release {} on scheduler {}: {}", requestId, base, e.getMessage());
            return false;
        }
    }

    /** Keepalives that failed so far. */
    public long keepaliveFailures() {
        return keepaliveFailures.get();
    }

    /** Stops the keepalive; the scheduler reclaims this gateway's unreleased requests when the lease expires. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(keepalive);
        try {
            keepalive.join(callTimeout.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }

    private void keepaliveOnce() {
        try {
            post("/v1/keepalive", new Wire.KeepaliveCall(gatewayId), Wire.KeepaliveReply.class);
        } catch (SchedulerCallException e) {
            if (keepaliveFailures.getAndIncrement() % 20 == 0) {
                log.warn("keepalive of gateway {} to scheduler {} failed: {}", gatewayId, base, e.getMessage());
            }
        }
    }

    private static final class SchedulerCallException extends Exception {
        SchedulerCallException(String message) {
            super(message, null, false, false);
        }
    }

    private <T> T post(String path, Object body, Class<T> replyType) throws SchedulerCallException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(callTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        if (!authToken.isEmpty()) {
            b.header("Authorization", "Bearer " + authToken);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new SchedulerCallException(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchedulerCallException("interrupted");
        }
        if (response.statusCode() != 200) {
            String detail = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
            throw new SchedulerCallException("HTTP " + response.statusCode() + " " + (detail.length() > 300 ? detail.substring(0, 300) : detail));
        }
        try {
            return json.readValue(response.body(), replyType);
        } catch (JacksonException e) {
            throw new SchedulerCallException("malformed reply: " + e.getOriginalMessage());
        }
    }
}
