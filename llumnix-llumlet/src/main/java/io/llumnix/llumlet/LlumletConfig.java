package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;

/**
 * Who this llumlet is and where it listens.
 *
 * @param instanceId the instance's id in the cluster
 * @param host address to bind the gRPC server to (loopback by default)
 * @param port gRPC port; 0 picks a free one
 * @param apiAddress the engine's HTTP API base URL, where callers re-attach to migrated-in requests
 * @param inferType the instance's role
 * @param nodeId host name for failure domains; empty when unknown
 * @param unitId failure unit above the node; empty when unknown
 * @param migration migration settings
 */
public record LlumletConfig(String instanceId, String host, int port, String apiAddress, InferType inferType, String nodeId, String unitId,
        MigrationConfig migration) {

    public LlumletConfig {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(host, "host is null");
        requireNonNull(apiAddress, "apiAddress is null");
        requireNonNull(inferType, "inferType is null");
        requireNonNull(nodeId, "nodeId is null");
        requireNonNull(unitId, "unitId is null");
        requireNonNull(migration, "migration is null");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instance id must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("llumlet port must be in 0..65535, got " + port);
        }
    }

    public static LlumletConfig local(String instanceId, String apiAddress) {
        return new LlumletConfig(instanceId, "127.0.0.1", 0, apiAddress, InferType.NEUTRAL, "", "", MigrationConfig.defaults());
    }

    public LlumletConfig withMigration(MigrationConfig m) {
        return new LlumletConfig(instanceId, host, port, apiAddress, inferType, nodeId, unitId, m);
    }
}
