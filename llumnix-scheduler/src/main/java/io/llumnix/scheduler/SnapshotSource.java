package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.InstanceDiscovery;
import io.llumnix.cms.InstanceRecord;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.cms.ReadResult;
import java.util.List;

/**
 * Where a {@link ClusterSnapshotRefresher} reads the cluster from: the meta store (full mode: metadata and
 * status) or a discovery (lite mode: metadata only). Implementations may block on I/O; thread-safe.
 */
@FunctionalInterface
public interface SnapshotSource {

    ReadResult<List<InstanceView>> read();

    static SnapshotSource fromStore(ClusterMetaStore store) {
        requireNonNull(store, "store is null");
        return () -> switch (store.listInstances()) {
            case ReadResult.Ok<List<InstanceRecord>> ok -> ReadResult.ok(
                    ok.value().stream().map(r -> new InstanceView(r.metadata(), r.status())).toList());
            case ReadResult.Unavailable<List<InstanceRecord>> u -> ReadResult.unavailable(u.reason());
        };
    }

    static SnapshotSource fromDiscovery(InstanceDiscovery discovery) {
        requireNonNull(discovery, "discovery is null");
        return () -> switch (discovery.discover()) {
            case ReadResult.Ok<List<InstanceMetadata>> ok ->
                    ReadResult.ok(ok.value().stream().map(InstanceView::lite).toList());
            case ReadResult.Unavailable<List<InstanceMetadata>> u -> ReadResult.unavailable(u.reason());
        };
    }
}
