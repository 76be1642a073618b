package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * N real engine processes behind a gateway with an in-process lite-mode scheduler (fewest in-flight requests,
 * ties by instance id), speaking the native protocol. {@link #refresh()} re-publishes the live instances.
 */
final class TestingCluster implements AutoCloseable {

    /** Copy-on-write: a chaos test replaces killed engines while requests read the list. */
    final List<TestingEngineProcess> engines = new CopyOnWriteArrayList<>();
    final Scheduler scheduler;
    final Gateway gateway;

    TestingCluster(int n, long minStepNanos, GatewayConfig config, ApiKeys keys) throws IOException {
        try {
            for (int i = 0; i < n; i++) {
                engines.add(TestingEngineProcess.start("engine-" + i, minStepNanos));
            }
        } catch (RuntimeException | IOException e) {
            closeEngines();
            throw e;
        }
        scheduler = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), Clock.system());
        refresh();
        gateway = Gateway.start(config.withPort(0).withForwarding(GatewayConfig.Forwarding.NATIVE), scheduler,
                BackendDirectory.dynamic(this::live), StoriesFixture.catalog(), keys, Clock.system());
    }

    TestingCluster(int n, long minStepNanos) throws IOException {
        this(n, minStepNanos, GatewayConfig.defaults(), ApiKeys.open());
    }

    List<InstanceMetadata> live() {
        return engines.stream().filter(TestingEngineProcess::alive).map(TestingEngineProcess::metadata).toList();
    }

    void refresh() {
        scheduler.updateSnapshot(ClusterSnapshot.of(live().stream().map(InstanceView::lite).toList(), System.currentTimeMillis()));
    }

    /** Replaces a (killed) engine with a fresh process under the same id and publishes it. */
    TestingEngineProcess restart(TestingEngineProcess dead, long minStepNanos) throws IOException, InterruptedException {
        dead.close();
        TestingEngineProcess fresh;
        try {
            fresh = TestingEngineProcess.start(dead.id(), minStepNanos);
        } catch (IllegalStateException e) {
            // A start can fail on a machine this busy (seen once: the child exited before listening); one more try.
            System.err.println("restarting " + dead.id() + " failed (" + e.getCause() + "); trying again");
            fresh = TestingEngineProcess.start(dead.id(), minStepNanos);
        }
        engines.set(engines.indexOf(dead), fresh);
        refresh();
        return fresh;
    }

    String baseUrl() {
        return gateway.baseUrl();
    }

    @Override
    public void close() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            closeEngines();
        }
    }

    private void closeEngines() {
        for (TestingEngineProcess e : engines) {
            try {
                e.close();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
