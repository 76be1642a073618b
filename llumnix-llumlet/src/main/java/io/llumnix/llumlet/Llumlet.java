package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.InstanceStatuses;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.sched.RunningRequestView;
import io.llumnix.scheduler.rescheduling.MigratableRequest;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import io.llumnix.scheduler.rescheduling.RequestSelection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The agent beside one engine instance: serves the {@code Llumlet} gRPC service (migrations in and out,
 * abort, status) and migrates requests to other llumlets. Runs in the engine's process.
 *
 * <p>Thread-safe. Migrations run on their own threads, bounded by the migrate-out and migrate-in slots.
 */
public final class Llumlet implements AutoCloseable {

    private static final long PULL_STEP_WAIT_MS = 500;

    private final LlmEngine engine;
    private final LlumletConfig config;
    private final Clock clock;
    private final LlumletChannels channels = new LlumletChannels();
    private final Semaphore outSlots;
    private final Semaphore inSlots;
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    /**
     * Migrations out run on platform threads: the downtime ends with a blocking read of the destination's answer,
     * which the kernel wakes a platform thread for directly (a virtual thread needs a second hand-off via the poller).
     */
    private final ExecutorService migrationThreads = Executors.newCachedThreadPool(
            BackgroundPriority.urgentThreadFactory("migration-out"));
    private final MigrationSource source;
    /** Prefill/decode hand-offs: blocking copies (the request decodes no further here), not bound by the out slots. */
    private final MigrationSource handoffSource;
    private final Server server;
    private final Optional<KvDataServer> dataServer;
    private final long startTimeMs;
    /** Between two pulls of {@link #pulledStatus}; guarded by itself. */
    private final StatusTracker pulled;
    private volatile java.time.Duration pullStallTimeout = StatusPublisherConfig.defaults().engineStallTimeout();

    private Llumlet(LlmEngine engine, LlumletConfig config, Clock clock) {
        this.engine = requireNonNull(engine, "engine is null");
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.outSlots = new Semaphore(config.migration().migrateOutSlots());
        this.inSlots = new Semaphore(config.migration().migrateInSlots());
        this.startTimeMs = clock.currentTimeMillis();
        this.pulled = new StatusTracker(clock.nanoTime());
        this.source = new MigrationSource(engine, config.instanceId(), config.migration(), channels, clock);
        this.dataServer = config.migration().dataChannel() && engine.kvStorage().isPresent()
                ? Optional.of(new KvDataServer(config.host(), config.migration().idlePriorityCopies()))
                : Optional.empty();
        this.handoffSource = new MigrationSource(engine, config.instanceId(), config.migration().withMaxStages(0), channels, clock);
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
                .executor(virtualThreads)
                .maxInboundMessageSize(LlumletChannels.MAX_MESSAGE_BYTES)
                .flowControlWindow(8 * 1024 * 1024)
                .addService(new LlumletService(this))
                .build();
    }

    /** Starts the gRPC server. */
    public static Llumlet start(LlmEngine engine, LlumletConfig config, Clock clock) {
        Llumlet l = new Llumlet(engine, config, clock);
        try {
            l.server.start();
        } catch (IOException e) {
            l.dataServer.ifPresent(KvDataServer::close);
            l.source.close();
            l.handoffSource.close();
            throw new UncheckedIOException("cannot start the llumlet on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        return l;
    }

    public String instanceId() {
        return config.instanceId();
    }

    /** The gRPC address peers dial: {@code host:port}. */
    public String address() {
        return config.host() + ":" + server.getPort();
    }

    public LlmEngine engine() {
        return engine;
    }

    LlumletConfig config() {
        return config;
    }

    Optional<KvDataServer> dataServer() {
        return dataServer;
    }

    Semaphore inSlots() {
        return inSlots;
    }

    /**
     * Migrates one request to the llumlet at {@code dstAddress}; completes when the migration committed,
     * aborted (the request then still runs here) or was skipped. Waits for a free migrate-out slot.
     */
    public CompletableFuture<MigrationOutcome> migrate(String requestId, String dstAddress, boolean recompute) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                outSlots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new MigrationOutcome(requestId, MigrationOutcome.Result.SKIPPED, "interrupted", 0, 0, 0, 0, 0, 0, 0);
            }
            try {
                return source.migrate(requestId, dstAddress, recompute);
            } finally {
                outSlots.release();
            }
        }, migrationThreads);
    }

    /**
     * Prefill/decode disaggregation: moves a request whose prompt was just prefilled here to its decode instance's
     * llumlet at {@code dstAddress} as a blocking copy — it leaves this batch at once, so the prefill instance spends no
     * further decode steps on it — without waiting for a migrate-out slot (hand-offs are a prefill instance's normal
     * work, not rebalancing). An aborted hand-off leaves the request running here.
     */
    public CompletableFuture<MigrationOutcome> handOff(String requestId, String dstAddress) {
        return CompletableFuture.supplyAsync(() -> handoffSource.migrate(requestId, dstAddress, false), virtualThreads);
    }

    /**
     * Migrates the requests that the rescheduler's {@link RequestSelection} picks by rule, order and value from
     * this instance's live requests (those already migrating are left out), one after another through the
     * migrate-out slots.
     */
    public CompletableFuture<List<MigrationOutcome>> migrateSelected(MigrationRule rule, RequestOrder order, double value,
            boolean normalPriorityOnly, String dstAddress, boolean recompute) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("request selection value must be positive and finite: " + value);
        }
        return engine.onStepThread(c -> selectable(c.runningRequests()))
                .thenApply(live -> RequestSelection.select(live, rule, order, value, normalPriorityOnly, usedTokens(live)))
                .thenCompose(chosen -> {
                    List<CompletableFuture<MigrationOutcome>> all = chosen.stream()
                            .map(r -> migrate(r.requestId(), dstAddress, recompute))
                            .toList();
                    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                            .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
                });
    }

    /** The engine's live requests in the rescheduler's terms; requests already migrating out are not selectable. */
    static List<MigratableRequest> selectable(List<RunningRequestView> live) {
        List<MigratableRequest> out = new ArrayList<>(live.size());
        for (RunningRequestView r : live) {
            if (!r.migrating()) {
                out.add(new MigratableRequest(r.requestId(), r.arrivalNanos(), r.running() ? r.numTokens() : 0, !r.running(),
                        r.priority() > 0));
            }
        }
        return out;
    }

    private static long usedTokens(List<MigratableRequest> requests) {
        long sum = 0;
        for (MigratableRequest r : requests) {
            sum += r.kvTokens();
        }
        return sum;
    }

    /**
     * The status a scheduler pulls ({@code GetStatus}) when no {@link StatusPublisher} pushes it: like a published one,
     * unschedulable while the engine has work but stopped stepping, with the high-priority usage and the requests that
     * appeared since the previous pull (for the dispatch ledger). Waits a short while for the step thread; if it does
     * not answer, reports from the last snapshot.
     */
    public InstanceStatus pulledStatus() {
        synchronized (pulled) {
            long now = clock.nanoTime();
            EngineSnapshot s = engine.snapshot();
            if (pulled.stalled(s, now, pullStallTimeout)) {
                return status(s, false, 0L, List.of());
            }
            record Live(EngineSnapshot snapshot, List<RunningRequestView> requests) {}
            Live live;
            try {
                live = engine.onStepThread(c -> new Live(c.snapshot(), c.runningRequests())).get(PULL_STEP_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return status(s, true, 0L, List.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return status(s, true, 0L, List.of());
            }
            return status(live.snapshot(), true, InstanceStatuses.highPriorityTokens(live.requests(), live.snapshot().blockSize()),
                    pulled.appearedSinceLastReport(live.snapshot(), live.requests()));
        }
    }

    /** How long an engine with work may go without a step before {@link #pulledStatus} says unschedulable. */
    void pullStallTimeout(java.time.Duration timeout) {
        this.pullStallTimeout = requireNonNull(timeout, "timeout is null");
    }

    /** This instance's status in the cluster's terms, from the engine's latest snapshot. */
    public InstanceStatus status() {
        return status(engine.snapshot(), true, 0L, List.of());
    }

    /**
     * The status for one engine snapshot, with this llumlet's migration slots as they are now; the mapping is the
     * one the simulator uses too ({@link InstanceStatuses}).
     *
     * @param schedulable false while draining, stopping, or when the engine stopped stepping
     * @param highPriorityUsedTokens KV tokens held by high-priority requests
     * @param recentWaitingRequestIds requests that appeared here since the previous published status
     */
    InstanceStatus status(EngineSnapshot s, boolean schedulable, long highPriorityUsedTokens, List<String> recentWaitingRequestIds) {
        int freeIn = inSlots.availablePermits();
        int loading = config.migration().migrateInSlots() - freeIn;
        return InstanceStatuses.from(s, config.instanceId(), config.inferType(), config.nodeId(), config.unitId(), freeIn,
                outSlots.availablePermits(), loading, clock.currentTimeMillis(), schedulable, highPriorityUsedTokens, recentWaitingRequestIds);
    }

    /** Free migrate-in and migrate-out slots now (what the rescheduler pairs by). */
    int freeInSlots() {
        return inSlots.availablePermits();
    }

    int freeOutSlots() {
        return outSlots.availablePermits();
    }

    /**
     * This instance's entry in the cluster meta store: where its API ({@code apiPort} on the llumlet's host) and
     * llumlet listen, its role and failure domains, the served model and its KV capacity.
     */
    public InstanceMetadata metadata(int apiPort) {
        EngineConfig e = engine.config();
        return new InstanceMetadata(config.instanceId(), config.host(), apiPort, server.getPort(), config.inferType(), config.unitId(),
                config.nodeId(), engine.servedModelName(), (long) e.numKvBlocks() * e.blockSize(), startTimeMs, "");
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dataServer.ifPresent(KvDataServer::close);
        channels.close();
        source.close();
        handoffSource.close();
        virtualThreads.shutdownNow();
        migrationThreads.shutdownNow();
    }
}
