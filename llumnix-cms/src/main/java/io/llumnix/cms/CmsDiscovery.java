package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Instances whose metadata is live in a {@link ClusterMetaStore}. Thread-safe if the store is. */
public final class CmsDiscovery implements InstanceDiscovery {

    private final ClusterMetaStore store;

    public CmsDiscovery(ClusterMetaStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    @Override
    public ReadResult<List<InstanceMetadata>> discover() {
        return switch (store.listInstances()) {
            case ReadResult.Ok<List<InstanceRecord>> ok ->
                    ReadResult.ok(ok.value().stream().map(InstanceRecord::metadata).toList());
            case ReadResult.Unavailable<List<InstanceRecord>> u -> ReadResult.unavailable(u.reason());
        };
    }
}
