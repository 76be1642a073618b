package io.llumnix.cms;

import java.util.List;

/**
 * Finds the instances a scheduler may dispatch to. Implementations: {@link StaticDiscovery} (a fixed list
 * of {@code host:port}, for lite mode against any OpenAI-compatible server) and {@link CmsDiscovery} (the
 * instances whose metadata is live in a {@link ClusterMetaStore}, Redis or in-memory). Another registry
 * (etcd, Kubernetes endpoints) is one more implementation of this interface: it only has to produce
 * {@link InstanceMetadata} and to report {@link ReadResult.Unavailable} when it cannot be read.
 *
 * <p>Implementations are thread-safe; {@link #discover()} may block on I/O and must not be called on a
 * latency-sensitive path (the scheduler calls it from its background refresher).
 */
public interface InstanceDiscovery {

    /** The instances currently known, sorted by id; or why they could not be listed. */
    ReadResult<List<InstanceMetadata>> discover();
}
