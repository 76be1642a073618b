package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * N real engine processes behind a gateway with an in-process lite-mode scheduler (fewest in-flight requests,
 * ties by instance id), speaking the native protocol. {@link #refresh()} re-publishes the live instances.
 */
final class TestingCluster implements AutoCloseable {

    final List<TestingEngineProcess> engines = new ArrayList<>();
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
