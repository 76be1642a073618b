package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.CmsDiscovery;
import io.llumnix.cms.InMemoryClusterMetaStore;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.LlumnixException;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.scheduler.ClusterSnapshotRefresher;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SnapshotSource;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control plane {@code llumnix serve} runs in its own process in front of its child engines: an in-memory
 * cluster meta store, an in-process scheduler fed by a snapshot refresher over that store, and the gateway.
 *
 * <p>How instances reach the store: the children cannot write into this process's memory, so the serve process
 * registers them itself — every {@link #REGISTER_INTERVAL} it puts the metadata of each live child (from its
 * {@code serving} announcement: id, API and llumlet ports, model) with a TTL of a few intervals, and deletes the
 * children that exited. The scheduler runs in lite mode (fewest requests and tokens in flight from its own
 * ledger, released on completion); polling each child's llumlet {@code GetStatus} into the store for full-mode
 * metrics and the rescheduler is the next step.
 *
 * <p>Thread-safe; {@link #close()} stops the gateway first.
 */
final class ServeStack implements AutoCloseable {

    static final Duration REGISTER_INTERVAL = Duration.ofMillis(250);
    private static final Duration METADATA_TTL = REGISTER_INTERVAL.multipliedBy(8);

    private final EngineFleet fleet;
    private final ClusterMetaStore store;
    private final ScheduledExecutorService registrar;
    private final ClusterSnapshotRefresher refresher;
    private final Gateway gateway;

    ServeStack(EngineFleet fleet, GatewayConfig config, ModelCatalog catalog, ApiKeys keys) {
        this.fleet = requireNonNull(fleet, "fleet is null");
        Clock clock = Clock.system();
        this.store = new InMemoryClusterMetaStore(clock);
        this.registrar = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("llumnix-serve-registrar").unstarted(r));
        register();
        Scheduler scheduler = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), clock);
        this.refresher = new ClusterSnapshotRefresher(SnapshotSource.fromStore(store), REGISTER_INTERVAL, clock, scheduler::updateSnapshot);
        refresher.refreshOnce();
        registrar.scheduleWithFixedDelay(this::registerQuietly, REGISTER_INTERVAL.toMillis(), REGISTER_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        refresher.start();
        try {
            this.gateway = Gateway.start(config, scheduler, BackendDirectory.caching(new CmsDiscovery(store), REGISTER_INTERVAL.toMillis()), catalog,
                    keys, clock);
        } catch (LlumnixException e) {
            closeControlPlane();
            throw new UserException(String.valueOf(e.getMessage()), e);
        }
    }

    Gateway gateway() {
        return gateway;
    }

    String baseUrl() {
        return gateway.baseUrl();
    }

    private void registerQuietly() {
        try {
            register();
        } catch (RuntimeException e) {
            // The next tick tries again; a registrar that died would age every instance out.
        }
    }

    private void register() {
        for (EngineFleet.Instance i : fleet.instances()) {
            if (i.alive()) {
                store.putMetadata(new InstanceMetadata(i.instanceId(), i.baseUrl().getHost(), i.baseUrl().getPort(), i.llumletPort(),
                        InferType.NEUTRAL, "", "localhost", i.modelName(), 0, 0, ""), METADATA_TTL);
            } else {
                store.delete(i.instanceId());
            }
        }
    }

    @Override
    public void close() {
        try {
            gateway.close();
        } finally {
            closeControlPlane();
        }
    }

    private void closeControlPlane() {
        registrar.shutdownNow();
        refresher.close();
        store.close();
    }
}
