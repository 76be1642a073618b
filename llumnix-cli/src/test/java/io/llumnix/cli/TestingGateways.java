package io.llumnix.cli;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** A gateway speaking the native protocol to fixed engine URLs, with an in-process lite scheduler. */
final class TestingGateways {

    private TestingGateways() {}

    static Gateway nativeGateway(List<URI> engines, ModelCatalog catalog) {
        List<InstanceMetadata> instances = new ArrayList<>();
        for (int i = 0; i < engines.size(); i++) {
            URI u = engines.get(i);
            instances.add(new InstanceMetadata("e" + i, u.getHost(), u.getPort(), 0, InferType.NEUTRAL, "", "", "", 0, 0, ""));
        }
        Scheduler scheduler = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), Clock.system());
        scheduler.updateSnapshot(ClusterSnapshot.of(instances.stream().map(InstanceView::lite).toList(), System.currentTimeMillis()));
        return Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.NATIVE), scheduler,
                BackendDirectory.of(instances), catalog, ApiKeys.open(), Clock.system());
    }
}
