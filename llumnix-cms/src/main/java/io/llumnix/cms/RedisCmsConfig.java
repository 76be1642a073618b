package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Where and how to reach the Redis that backs the cluster meta store. Flag names follow Llumnix:
 * {@code --cms-redis-host}, {@code --cms-redis-port}, {@code --cms-redis-username},
 * {@code --cms-redis-password}, {@code --cms-redis-db}, {@code --cms-redis-timeout-ms}.
 *
 * @param host Redis host
 * @param port Redis port
 * @param username ACL user name; empty for none
 * @param password password; empty for none
 * @param database logical database index
 * @param commandTimeout how long one command (or connection attempt) may take before it counts as a failure
 * @param reconnectBackoff minimum time between two attempts to (re)establish the connection
 */
public record RedisCmsConfig(
        String host, int port, String username, String password, int database, Duration commandTimeout,
        Duration reconnectBackoff) {

    public static final int DEFAULT_PORT = 6379;

    public RedisCmsConfig {
        requireNonNull(host, "host is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(commandTimeout, "commandTimeout is null");
        requireNonNull(reconnectBackoff, "reconnectBackoff is null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("--cms-redis-host is empty");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("--cms-redis-port out of range: " + port);
        }
        if (database < 0) {
            throw new IllegalArgumentException("--cms-redis-db is negative: " + database);
        }
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("--cms-redis-timeout-ms must be positive: " + commandTimeout);
        }
        if (reconnectBackoff.isNegative()) {
            throw new IllegalArgumentException("reconnectBackoff is negative: " + reconnectBackoff);
        }
    }

    /** No authentication, database 0, 1 s command timeout, 500 ms reconnect backoff. */
    public static RedisCmsConfig of(String host, int port) {
        return new RedisCmsConfig(host, port, "", "", 0, Duration.ofSeconds(1), Duration.ofMillis(500));
    }
}
