package io.llumnix.scheduler.service;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Where the scheduler service listens and how it treats gateways. Immutable; invalid values are refused naming
 * the flag.
 *
 * @param host {@code --scheduler-host}: address to bind (loopback by default)
 * @param port {@code --scheduler-port}: 0 picks a free port
 * @param gatewayLeaseTimeout {@code --gateway-keepalive-timeout-ms}: a gateway silent for this long is presumed dead
 *     and its requests' in-flight entries are released
 * @param authToken {@code --internal-auth-token}: when not empty, every call must carry
 *     {@code Authorization: Bearer <token>}
 */
public record SchedulerServiceConfig(String host, int port, Duration gatewayLeaseTimeout, String authToken) {

    public SchedulerServiceConfig {
        requireNonNull(host, "host is null");
        requireNonNull(gatewayLeaseTimeout, "gatewayLeaseTimeout is null");
        requireNonNull(authToken, "authToken is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--scheduler-port must be in 0..65535, got " + port);
        }
        if (gatewayLeaseTimeout.isNegative() || gatewayLeaseTimeout.isZero()) {
            throw new IllegalArgumentException("--gateway-keepalive-timeout-ms must be positive, got " + gatewayLeaseTimeout.toMillis());
        }
    }

    /** Loopback, a free port, 10 s gateway lease, no token. */
    public static SchedulerServiceConfig local() {
        return new SchedulerServiceConfig("127.0.0.1", 0, Duration.ofSeconds(10), "");
    }

    public SchedulerServiceConfig withGatewayLeaseTimeout(Duration d) {
        return new SchedulerServiceConfig(host, port, d, authToken);
    }

    public SchedulerServiceConfig withAuthToken(String token) {
        return new SchedulerServiceConfig(host, port, gatewayLeaseTimeout, token);
    }
}
