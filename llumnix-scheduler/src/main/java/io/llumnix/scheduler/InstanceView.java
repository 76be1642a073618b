package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import java.util.Optional;

/**
 * One instance as a snapshot sees it: metadata always; the latest status in full mode (absent in lite mode,
 * or when the status has expired). Immutable.
 */
public record InstanceView(InstanceMetadata metadata, Optional<InstanceStatus> status) {

    public InstanceView {
        requireNonNull(metadata, "metadata is null");
        requireNonNull(status, "status is null");
        status.ifPresent(s -> {
            if (!s.instanceId().equals(metadata.instanceId())) {
                throw new IllegalArgumentException(
                        "status of " + s.instanceId() + " paired with metadata of " + metadata.instanceId());
            }
        });
    }

    public static InstanceView of(InstanceMetadata metadata, InstanceStatus status) {
        return new InstanceView(metadata, Optional.of(status));
    }

    public static InstanceView lite(InstanceMetadata metadata) {
        return new InstanceView(metadata, Optional.empty());
    }

    public String instanceId() {
        return metadata.instanceId();
    }

    /** The role the status reports, else the one the metadata declares. */
    public InferType inferType() {
        return status.map(InstanceStatus::inferType).orElse(metadata.inferType());
    }

    public String nodeId() {
        return status.map(InstanceStatus::nodeId).filter(s -> !s.isEmpty()).orElse(metadata.nodeId());
    }

    public String unitId() {
        return status.map(InstanceStatus::unitId).filter(s -> !s.isEmpty()).orElse(metadata.unitId());
    }
}
