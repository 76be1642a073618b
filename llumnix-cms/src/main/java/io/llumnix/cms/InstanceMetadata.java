package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;

/**
 * What does not change while an instance lives: where to reach it and what it serves. Published by the
 * llumlet with a TTL and refreshed by a heartbeat; the scheduler joins it with the instance's status.
 * Immutable.
 *
 * @param instanceId unique id of the instance
 * @param host host name or address of the instance's OpenAI API and llumlet
 * @param apiPort port of the instance's OpenAI-compatible HTTP API
 * @param llumletPort port of the llumlet's gRPC service; 0 when the instance has no llumlet (lite mode)
 * @param inferType neutral, prefill or decode
 * @param unitId failure domain above the node; empty when unknown
 * @param nodeId the host's failure domain; empty when unknown
 * @param modelName the served model
 * @param maxTokens KV capacity in tokens; 0 when unknown
 * @param startTimeMs when the instance started (publisher's wall clock)
 * @param reservedRole a role this instance is reserved for (see the scheduler's reserved-role filter); empty for none
 */
public record InstanceMetadata(
        String instanceId,
        String host,
        int apiPort,
        int llumletPort,
        InferType inferType,
        String unitId,
        String nodeId,
        String modelName,
        long maxTokens,
        long startTimeMs,
        String reservedRole) {

    public InstanceMetadata {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(host, "host is null");
        requireNonNull(inferType, "inferType is null");
        requireNonNull(unitId, "unitId is null");
        requireNonNull(nodeId, "nodeId is null");
        requireNonNull(modelName, "modelName is null");
        requireNonNull(reservedRole, "reservedRole is null");
        if (instanceId.isEmpty()) {
            throw new IllegalArgumentException("instanceId is empty");
        }
        if (apiPort < 0 || apiPort > 65535) {
            throw new IllegalArgumentException("apiPort out of range: " + apiPort);
        }
        if (llumletPort < 0 || llumletPort > 65535) {
            throw new IllegalArgumentException("llumletPort out of range: " + llumletPort);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens is negative: " + maxTokens);
        }
    }

    /** Metadata for an instance known only by its address (static discovery, lite mode). */
    public static InstanceMetadata ofEndpoint(String host, int apiPort) {
        return new InstanceMetadata(host + ":" + apiPort, host, apiPort, 0, InferType.NEUTRAL, "", host, "", 0, 0, "");
    }

    /** {@code host:apiPort}. */
    public String apiAddress() {
        return host + ":" + apiPort;
    }
}
