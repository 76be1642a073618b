package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InstanceStatus;
import java.util.Optional;

/**
 * One live instance as the store knows it: its metadata and, when the llumlet has published one that has
 * not expired, its latest status. Immutable.
 */
public record InstanceRecord(InstanceMetadata metadata, Optional<InstanceStatus> status) {

    public InstanceRecord {
        requireNonNull(metadata, "metadata is null");
        requireNonNull(status, "status is null");
        status.ifPresent(s -> {
            if (!s.instanceId().equals(metadata.instanceId())) {
                throw new IllegalArgumentException(
                        "status of " + s.instanceId() + " paired with metadata of " + metadata.instanceId());
            }
        });
    }

    public String instanceId() {
        return metadata.instanceId();
    }
}
