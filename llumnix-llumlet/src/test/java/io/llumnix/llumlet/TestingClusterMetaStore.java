package io.llumnix.llumlet;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.InMemoryClusterMetaStore;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.cms.InstanceRecord;
import io.llumnix.cms.ReadResult;
import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory store that records every status put (with the time it arrived) and can be switched to fail
 * every call by throwing, as a buggy or unreachable backend would.
 */
final class TestingClusterMetaStore implements ClusterMetaStore {

    record Put(long nanoTime, InstanceStatus status) {}

    private final InMemoryClusterMetaStore delegate = new InMemoryClusterMetaStore(Clock.system());
    final List<Put> statusPuts = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    private void check() {
        if (failing) {
            throw new IllegalStateException("testing store is failing");
        }
    }

    List<InstanceStatus> statusesOf(String id) {
        return statusPuts.stream().map(Put::status).filter(s -> s.instanceId().equals(id)).toList();
    }

    @Override
    public boolean putMetadata(InstanceMetadata metadata, Duration ttl) {
        check();
        return delegate.putMetadata(metadata, ttl);
    }

    @Override
    public boolean putStatus(InstanceStatus status, Duration ttl) {
        check();
        statusPuts.add(new Put(System.nanoTime(), status));
        return delegate.putStatus(status, ttl);
    }

    @Override
    public Optional<InstanceMetadata> getMetadata(String instanceId) {
        check();
        return delegate.getMetadata(instanceId);
    }

    @Override
    public Optional<InstanceStatus> getStatus(String instanceId) {
        check();
        return delegate.getStatus(instanceId);
    }

    @Override
    public ReadResult<List<String>> listInstanceIds() {
        check();
        return delegate.listInstanceIds();
    }

    @Override
    public ReadResult<List<InstanceRecord>> listInstances() {
        check();
        return delegate.listInstances();
    }

    @Override
    public boolean delete(String instanceId) {
        check();
        return delegate.delete(instanceId);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
