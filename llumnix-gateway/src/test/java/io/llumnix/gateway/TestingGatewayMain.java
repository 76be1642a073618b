package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.gateway.batch.BatchConfig;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway with the batch API in a child process, so that a test can SIGKILL it mid-batch:
 * {@code TestingGatewayMain BATCH_DIR CONCURRENCY ENGINE_URL...} (stories260K engines, native protocol). Prints
 * {@code LISTENING url} once serving; runs until killed or its parent exits.
 */
public final class TestingGatewayMain {

    private TestingGatewayMain() {}

    public static void main(String[] args) throws InterruptedException {
        Path batchDir = Path.of(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        List<InstanceMetadata> engines = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            URI url = URI.create(args[i]);
            engines.add(new InstanceMetadata("engine-" + (i - 2), url.getHost(), url.getPort(), 0, InferType.NEUTRAL, "", "node-" + i,
                    "stories260K", 0, 0, ""));
        }
        Scheduler scheduler = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), Clock.system());
        scheduler.updateSnapshot(ClusterSnapshot.of(engines.stream().map(InstanceView::lite).toList(), System.currentTimeMillis()));
        Gateway gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.NATIVE), scheduler,
                BackendDirectory.of(engines), StoriesFixture.catalog(), ApiKeys.open(), Clock.system());
        gateway.enableBatches(BatchConfig.defaults(batchDir).withConcurrency(concurrency));
        System.out.println("LISTENING " + gateway.baseUrl());
        System.out.flush();
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        Thread.currentThread().join();
    }
}
