package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.CmsDiscovery;
import io.llumnix.cms.InMemoryClusterMetaStore;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.cms.ReadResult;
import io.llumnix.cms.RedisClusterMetaStore;
import io.llumnix.cms.RedisCmsConfig;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import io.llumnix.core.LlumnixException;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.ClusterView;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.llumlet.GrpcMigrationExecutor;
import io.llumnix.scheduler.ClusterSnapshotRefresher;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SnapshotSource;
import io.llumnix.scheduler.autoscale.AutoscaleAdvisor;
import io.llumnix.scheduler.autoscale.AutoscaleConfig;
import io.llumnix.scheduler.rescheduling.Rescheduler;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The control plane {@code llumnix serve} runs in its own process in front of its child engines: a cluster meta
 * store, an in-process scheduler fed by a snapshot refresher over that store, the rescheduler, optionally the
 * auto-scaler, and the gateway.
 *
 * <p>How instances reach the store. In-memory (the default): the children cannot write into this process's memory,
 * so the serve process registers them itself — every {@link #REGISTER_INTERVAL} it puts the metadata of each live
 * child (from its {@code serving} announcement) with a TTL and deletes the children that exited or were stopped —
 * and a {@link LlumletStatusPoller} pulls each child's llumlet {@code GetStatus} every
 * {@code --cms-pull-status-interval-ms}. With {@code --redis} the children publish metadata and status themselves
 * (a {@code StatusPublisher} each) and this process only reads, and deletes the entries of children it stopped.
 *
 * <p>Full mode (the default) schedules by that status; the rescheduler migrates over the llumlets' {@code Migrate}
 * RPC ({@link GrpcMigrationExecutor}). Instances the auto-scaler drains are in {@link #draining()}: the snapshot
 * source publishes them unschedulable, whatever the store says, so the scheduler skips them and the failover
 * rescheduling policy empties them.
 *
 * <p>Thread-safe; {@link #close()} stops the gateway first.
 */
final class ServeStack implements AutoCloseable {

    static final Duration REGISTER_INTERVAL = Duration.ofMillis(250);
    private static final Duration METADATA_TTL = REGISTER_INTERVAL.multipliedBy(20); // dead children are deleted, not aged out
    private static final Duration STATUS_WAIT = Duration.ofSeconds(15);

    /** How serve's control plane is configured (from {@link ServeSchedulingOptions} and {@code --redis}). */
    record Control(SchedulerConfig scheduler, ReschedulingConfig rescheduling, Optional<AutoscaleConfig> autoscale,
            Optional<RedisCmsConfig> redis, Duration pullInterval, Duration startupTimeout, PrintStream log) {
        Control {
            requireNonNull(scheduler, "scheduler is null");
            requireNonNull(rescheduling, "rescheduling is null");
            requireNonNull(autoscale, "autoscale is null");
            requireNonNull(redis, "redis is null");
            requireNonNull(pullInterval, "pullInterval is null");
            requireNonNull(startupTimeout, "startupTimeout is null");
            requireNonNull(log, "log is null");
        }

        /** Lite mode, no rescheduling, no auto-scaling, in-memory store. */
        static Control lite(PrintStream log) {
            SchedulerConfig s = SchedulerConfig.builder().enableFullModeScheduling(false).build();
            return new Control(s, ReschedulingConfig.defaults(), Optional.empty(), Optional.empty(), s.cmsPullStatusInterval(),
                    Duration.ofSeconds(120), log);
        }
    }

    private final EngineFleet fleet;
    private final Control control;
    private final ClusterMetaStore store;
    private final Set<String> draining = ConcurrentHashMap.newKeySet();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService registrar;
    private final Scheduler scheduler;
    private final ClusterSnapshotRefresher refresher;
    private final @Nullable LlumletStatusPoller poller;
    private final @Nullable GrpcMigrationExecutor migrations;
    private final @Nullable Rescheduler rescheduler;
    private final @Nullable AutoscaleAdvisor advisor;
    private final @Nullable ServeAutoscaler autoscaler;
    private final Gateway gateway;

    ServeStack(EngineFleet fleet, GatewayConfig config, ModelCatalog catalog, ApiKeys keys, Control control) {
        this.fleet = requireNonNull(fleet, "fleet is null");
        this.control = requireNonNull(control, "control is null");
        Clock clock = Clock.system();
        this.store = control.redis().<ClusterMetaStore>map(RedisClusterMetaStore::new).orElseGet(() -> new InMemoryClusterMetaStore(clock));
        this.registrar = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("llumnix-serve-registrar").unstarted(r));
        register();
        // Registration runs from now on: waiting for the children's first status below can outlast the metadata's TTL.
        registrar.scheduleWithFixedDelay(this::registerQuietly, REGISTER_INTERVAL.toMillis(), REGISTER_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        boolean full = control.scheduler().enableFullModeScheduling();
        this.poller = full && control.redis().isEmpty() ? new LlumletStatusPoller(fleet::instances, store, control.pullInterval()) : null;
        if (poller != null) {
            poller.pollOnce();
            poller.start();
        }
        this.scheduler = new Scheduler(control.scheduler(), clock);
        this.advisor = control.autoscale().map(a -> new AutoscaleAdvisor(a, clock)).orElse(null);
        this.refresher = new ClusterSnapshotRefresher(drainAware(SnapshotSource.fromStore(store)), control.pullInterval(), clock, s -> {
            scheduler.updateSnapshot(s);
            if (advisor != null) {
                advisor.observe(s);
            }
        });
        refresher.refreshOnce();
        if (full) {
            awaitStatuses();
        }
        refresher.start();
        if (control.rescheduling().enableRescheduling()) {
            this.migrations = GrpcMigrationExecutor.overSnapshots(scheduler::snapshot, 4, Duration.ofSeconds(60));
            this.rescheduler = new Rescheduler(scheduler::snapshot, control.rescheduling(), migrations, clock);
            rescheduler.start(registrar);
        } else {
            this.migrations = null;
            this.rescheduler = null;
        }
        this.autoscaler = advisor == null ? null
                : new ServeAutoscaler(advisor, fleet, draining, scheduler::snapshot, scheduler.ledger(), control.log(), control.startupTimeout());
        if (autoscaler != null) {
            autoscaler.start();
        }
        try {
            this.gateway = Gateway.start(config, scheduler, BackendDirectory.caching(new CmsDiscovery(store), REGISTER_INTERVAL.toMillis()), catalog,
                    keys, clock, ClusterView.of(scheduler));
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

    Scheduler scheduler() {
        return scheduler;
    }

    /** Migrations the rescheduler's orders committed so far (0 without rescheduling). */
    long requestsMigrated() {
        return rescheduler == null ? 0 : rescheduler.requestsMigrated();
    }

    /** The auto-scaling advisor, with {@code --autoscale}. */
    Optional<AutoscaleAdvisor> advisor() {
        return Optional.ofNullable(advisor);
    }

    /** Ids of the instances being drained (published unschedulable). */
    Set<String> draining() {
        return draining;
    }

    /**
     * Full mode schedules only instances with a status: wait (bounded) until every child has one before the gateway
     * opens, so the first requests are not refused while a cold gRPC channel or a child's first publish is on its way.
     */
    private void awaitStatuses() {
        long deadline = System.nanoTime() + STATUS_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (poller != null) {
                poller.pollOnce();
            }
            refresher.refreshOnce();
            if (fleet.liveInstances().stream().allMatch(i -> scheduler.snapshot().find(i.instanceId()).flatMap(InstanceView::status).isPresent())) {
                return;
            }
            try {
                Thread.sleep(control.pullInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        control.log().println("llumnix serve: not every instance reported its status within " + STATUS_WAIT.toSeconds()
                + " s; those are not scheduled until they do");
    }

    /** The store as the scheduler sees it, with the draining instances' status unschedulable. */
    private SnapshotSource drainAware(SnapshotSource source) {
        return () -> switch (source.read()) {
            case ReadResult.Ok<List<InstanceView>> ok -> draining.isEmpty() ? ok : ReadResult.ok(ok.value().stream()
                    .map(v -> draining.contains(v.instanceId()) ? new InstanceView(v.metadata(), v.status().map(ServeStack::unschedulable)) : v)
                    .toList());
            case ReadResult.Unavailable<List<InstanceView>> u -> u;
        };
    }

    private static InstanceStatus unschedulable(InstanceStatus s) {
        return new InstanceStatus(s.instanceId(), false, s.timestampMs(), s.stepId(), s.inferType(), s.unitId(), s.nodeId(),
                s.numWaitingRequests(), s.numRunningRequests(), s.numLoadingRequests(), s.numRunningDecodes(), s.numTotalTokens(),
                s.numUsedTokens(), s.numBlockSize(), s.numUncomputedTokensWaitingPrefills(), s.numUncomputedTokensRunningPrefills(),
                s.numTokensRunningDecodes(), s.numWaitingHeadBlocks(), s.numMigrateInSlots(), s.numMigrateOutSlots(), s.numMigratingTokens(),
                s.numHighPriorityUsedTokens(), s.waitingRequestIds(), s.recentWaitingRequestIds(), s.stepDurationMs());
    }

    private void registerQuietly() {
        try {
            register();
        } catch (RuntimeException e) {
            // The next tick tries again; a registrar that died would age every instance out.
        }
    }

    private void register() {
        Set<String> present = new HashSet<>();
        for (EngineFleet.Instance i : fleet.instances()) {
            present.add(i.instanceId());
            if (!i.alive()) {
                forget(i.instanceId());
            } else if (control.redis().isEmpty()) {
                store.putMetadata(new InstanceMetadata(i.instanceId(), i.baseUrl().getHost(), i.baseUrl().getPort(), i.llumletPort(),
                        i.inferType(), "", "localhost", i.modelName(), 0, 0, ""), METADATA_TTL);
                registered.add(i.instanceId());
            } else {
                registered.add(i.instanceId());
            }
        }
        for (String id : List.copyOf(registered)) {
            if (!present.contains(id)) {
                forget(id); // stopped by the auto-scaler
            }
        }
    }

    private void forget(String instanceId) {
        if (store.delete(instanceId)) {
            registered.remove(instanceId);
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
        if (autoscaler != null) {
            autoscaler.close();
        }
        if (rescheduler != null) {
            rescheduler.close();
        }
        registrar.shutdownNow();
        if (migrations != null) {
            migrations.close();
        }
        if (poller != null) {
            poller.close();
        }
        refresher.close();
        store.close();
    }
}
