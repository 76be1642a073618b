package io.llumnix.engine.server;

import static java.util.Objects.requireNonNull;

/**
 * Where and how an {@link OpenAiServer} listens.
 *
 * @param host interface to bind ({@code --host}); loopback by default
 * @param port TCP port ({@code --port}); 0 picks a free one, see {@link OpenAiServer#port()}
 * @param servedModelName the only model name the server answers to ({@code --served-model-name})
 * @param maxBodyBytes request bodies larger than this are refused with 413
 */
public record OpenAiServerConfig(String host, int port, String servedModelName, int maxBodyBytes) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

    public OpenAiServerConfig {
        requireNonNull(host, "host is null");
        requireNonNull(servedModelName, "servedModelName is null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        if (servedModelName.isBlank()) {
            throw new IllegalArgumentException("--served-model-name must not be empty");
        }
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
        }
    }

    /** Loopback, the given port, the default body limit. */
    public static OpenAiServerConfig of(String servedModelName, int port) {
        return new OpenAiServerConfig(DEFAULT_HOST, port, servedModelName, DEFAULT_MAX_BODY_BYTES);
    }

    public OpenAiServerConfig withHost(String newHost) {
        return new OpenAiServerConfig(newHost, port, servedModelName, maxBodyBytes);
    }

    public OpenAiServerConfig withMaxBodyBytes(int newMaxBodyBytes) {
        return new OpenAiServerConfig(host, port, servedModelName, newMaxBodyBytes);
    }
}
