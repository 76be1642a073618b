package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link Gateway} listens, forwards and protects its backends. Immutable; start from {@link #defaults()}
 * and change fields with the withers.
 *
 * @param host interface to bind
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes request bodies above this are refused with 413
 * @param maxHeaderBytes request headers above this are refused with 431
 * @param connectTimeout how long connecting to an instance may take before the attempt counts as failed
 * @param idleTimeout how long an instance may stay silent during an answer before the attempt counts as failed
 *     (a hung instance is then treated like a dead one: retried or resumed elsewhere)
 * @param maxAttempts instances tried per request (first try, retries and resumes together)
 * @param maxInFlight requests forwarded at once; more wait in the admission queue
 * @param maxQueued requests that may wait for admission; beyond that the gateway answers 429
 * @param forwarding how to talk to instances: {@link Forwarding#AUTO} picks the native protocol for instances with
 *     a llumlet and plain OpenAI HTTP for the others
 * @param pdDisagg prefill/decode disaggregation: {@link PdDisagg#STAGED} places each request on a prefill instance
 *     and a decode instance; the prefill instance hands the request over to the decode one after its first token
 */
public record GatewayConfig(
        String host,
        int port,
        int maxBodyBytes,
        int maxHeaderBytes,
        Duration connectTimeout,
        Duration idleTimeout,
        int maxAttempts,
        int maxInFlight,
        int maxQueued,
        Forwarding forwarding,
        PdDisagg pdDisagg) {

    /** The protocol spoken to instances. */
    public enum Forwarding {
        /** Native for instances that have a llumlet ({@code llumletPort > 0}), plain OpenAI otherwise. */
        AUTO,
        /** Every instance is our engine: token ids, migration re-attach, resume on failure. */
        NATIVE,
        /** Every instance is a plain OpenAI-compatible server (vLLM, SGLang, llama.cpp): relay and retry only. */
        OPENAI
    }

    /** Prefill/decode disaggregation protocol ({@code --pd-disagg-protocol}). */
    public enum PdDisagg {
        /** Every request runs on one (neutral) instance. */
        NONE,
        /**
         * The prefill instance computes the prompt and the first token, then migrates the request (its KV cache over the
         * migration transport) to the decode instance the scheduler chose; the client's stream follows it there.
         */
        STAGED
    }

    public GatewayConfig {
        requireNonNull(pdDisagg, "pdDisagg is null");
        requireNonNull(host, "host is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(idleTimeout, "idleTimeout is null");
        requireNonNull(forwarding, "forwarding is null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("--max-body-bytes must be positive, got " + maxBodyBytes);
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("--max-header-bytes must be at least 1024, got " + maxHeaderBytes);
        }
        if (!connectTimeout.isPositive() || !idleTimeout.isPositive()) {
            throw new IllegalArgumentException("upstream timeouts must be positive: connect " + connectTimeout + ", idle " + idleTimeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("--max-attempts must be at least 1, got " + maxAttempts);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("--max-in-flight must be at least 1, got " + maxInFlight);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("--max-queued must not be negative, got " + maxQueued);
        }
    }

    /** Loopback, port 8000, 4 MiB bodies, 16 KiB headers, 5 s connect, 60 s idle, 4 attempts, 1024 in flight, 4096 queued. */
    public static GatewayConfig defaults() {
        return new GatewayConfig("127.0.0.1", 8000, 4 * 1024 * 1024, 16 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(60), 4, 1024,
                4096, Forwarding.AUTO, PdDisagg.NONE);
    }

    public GatewayConfig withHost(String v) {
        return new GatewayConfig(v, port, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, maxInFlight, maxQueued,
                forwarding, pdDisagg);
    }

    public GatewayConfig withPort(int v) {
        return new GatewayConfig(host, v, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, maxInFlight, maxQueued,
                forwarding, pdDisagg);
    }

    public GatewayConfig withMaxBodyBytes(int v) {
        return new GatewayConfig(host, port, v, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, maxInFlight, maxQueued,
                forwarding, pdDisagg);
    }

    public GatewayConfig withTimeouts(Duration connect, Duration idle) {
        return new GatewayConfig(host, port, maxBodyBytes, maxHeaderBytes, connect, idle, maxAttempts, maxInFlight, maxQueued, forwarding, pdDisagg);
    }

    public GatewayConfig withMaxAttempts(int v) {
        return new GatewayConfig(host, port, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, v, maxInFlight, maxQueued,
                forwarding, pdDisagg);
    }

    public GatewayConfig withAdmission(int inFlight, int queued) {
        return new GatewayConfig(host, port, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, inFlight, queued,
                forwarding, pdDisagg);
    }

    public GatewayConfig withForwarding(Forwarding v) {
        return new GatewayConfig(host, port, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, maxInFlight, maxQueued,
                v, pdDisagg);
    }

    public GatewayConfig withPdDisagg(PdDisagg v) {
        return new GatewayConfig(host, port, maxBodyBytes, maxHeaderBytes, connectTimeout, idleTimeout, maxAttempts, maxInFlight, maxQueued,
                forwarding, v);
    }
}
