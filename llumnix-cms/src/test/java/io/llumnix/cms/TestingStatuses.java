package io.llumnix.cms;

import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import java.util.List;

/** Small factories of metadata and statuses for store tests. */
final class TestingStatuses {

    private TestingStatuses() {}

    static InstanceMetadata metadata(String id) {
        return new InstanceMetadata(id, "10.0.0.1", 8000, 9000, InferType.NEUTRAL, "unit-a", "node-1", "stories260K",
                4096, 1_700_000_000_000L, "");
    }

    static InstanceStatus status(String id, int waiting) {
        return new InstanceStatus(id, true, 1_700_000_000_123L, 42, InferType.NEUTRAL, "unit-a", "node-1",
                waiting, 3, 0, 2, 4096, 1024, 16, 100, 50, 900, 2, 1, 1, 0, 0,
                List.of("r1", "r2"), List.of("r2"), 12.5);
    }
}
