package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.InMemoryClusterMetaStore;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.llumlet.MigrationFixture.FollowingClient;
import io.llumnix.scheduler.ClusterSnapshotRefresher;
import io.llumnix.scheduler.FailoverScope;
import io.llumnix.scheduler.MetricParams;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SchedulingMetric;
import io.llumnix.scheduler.SnapshotSource;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import io.llumnix.scheduler.rescheduling.Rescheduler;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The whole full-mode loop on four real stories260K engines in one JVM: llumlets publish status to the meta store,
 * the scheduler's refresher reads it, the {@code flood} policy piles every request onto one instance, and the
 * rescheduler's {@code decode_load} policy spreads them by live migration over gRPC. Clients follow their requests
 * across migrations as a gateway does; every output must equal the run without migration.
 */
class TestReschedulingEndToEnd {

    private static final int INSTANCES = 4;
    private static final int REQUESTS = 16;
    private static final int MAX_TOKENS = 420;

    private static int[] prompt(Random r, int len) {
        int[] p = new int[len];
        p[0] = 1;
        for (int i = 1; i < len; i++) {
            p[i] = 3 + r.nextInt(509);
        }
        return p;
    }

    @Test
    void floodThenDecodeLoad_spreadsRequestsByLiveMigration_andOutputsMatchTheRunWithoutMigration() throws Exception {
        LoadedModel m = MigrationFixture.model();
        EngineConfig config = MigrationFixture.config(1024, 64);
        Random r = new Random(42);
        List<GenerateRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(new GenerateRequest("req" + i, prompt(r, 24 + r.nextInt(40)), SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true), 0));
        }

        // The run without migration: all requests in one unpaced engine.
        Map<String, int[]> expected = new LinkedHashMap<>();
        try (LlmEngine ref = LlmEngine.start("ref", config, m.newExecutor(config.numKvBlocks(), config.blockSize()), m.tokenizer(), Clock.system())) {
            Map<String, FollowingClient> refClients = new LinkedHashMap<>();
            for (GenerateRequest q : requests) {
                FollowingClient c = new FollowingClient(Map.of());
                refClients.put(q.requestId(), c);
                ref.submit(q, c);
            }
            for (var e : refClients.entrySet()) {
                assertThat(e.getValue().await()).isInstanceOf(RequestEvent.Finished.class);
                expected.put(e.getKey(), e.getValue().tokenArray());
            }
        }

        Clock clock = Clock.system();
        Map<String, LlmEngine> engines = new LinkedHashMap<>();
        List<Llumlet> llumlets = new ArrayList<>();
        List<StatusPublisher> publishers = new ArrayList<>();
        InMemoryClusterMetaStore store = new InMemoryClusterMetaStore(clock);
        Scheduler scheduler = new Scheduler(SchedulerConfig.builder().schedulingPolicy("flood").build(), clock);
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        ClusterSnapshotRefresher refresher = new ClusterSnapshotRefresher(SnapshotSource.fromStore(store), Duration.ofMillis(20), clock,
                scheduler::updateSnapshot);
        GrpcMigrationExecutor migrations = GrpcMigrationExecutor.overSnapshots(scheduler::snapshot, 4, Duration.ofSeconds(30));
        ReschedulingConfig rescheduling = new ReschedulingConfig(true, List.of("decode_load"), Duration.ofMillis(50),
                SchedulingMetric.DECODE_BATCH_SIZE, 1_000, SchedulingMetric.NUM_REQUESTS, 1_000, MigrationRule.NUM_REQ, RequestOrder.SR, 2, 2.0,
                FailoverScope.INSTANCE, Duration.ofSeconds(60), 0, 0.2, MetricParams.defaults());
        Rescheduler rescheduler = new Rescheduler(scheduler::snapshot, rescheduling, migrations, clock);
        try {
            for (int i = 0; i < INSTANCES; i++) {
                String id = "i" + i;
                LlmEngine e = LlmEngine.start(id, config,
                        new PacedExecutor(m.newExecutor(config.numKvBlocks(), config.blockSize()), 5_000_000L), m.tokenizer(), clock);
                engines.put(id, e);
                Llumlet l = Llumlet.start(e, new LlumletConfig(id, "127.0.0.1", 0, "http://" + id, InferType.DECODE, "", "",
                        MigrationConfig.defaults().withSlots(2, 2)), clock);
                llumlets.add(l);
                publishers.add(StatusPublisher.start(l, l.metadata(0), store, StatusPublisherConfig.defaults(), clock));
            }
            warmUp(engines, llumlets);
            refresher.start();
            awaitUntil("every instance is in the snapshot with a status", () -> scheduler.snapshot().instances().stream()
                    .filter(v -> v.status().isPresent()).count() == INSTANCES);

            Map<String, FollowingClient> clients = new LinkedHashMap<>();
            for (GenerateRequest q : requests) {
                ScheduleDecision d = scheduler.schedule(ScheduleRequest.of(q.requestId(), q.promptLength()).withTargetType(InferType.DECODE));
                assertThat(d).isInstanceOf(ScheduleDecision.Dispatched.class);
                String target = ((ScheduleDecision.Dispatched) d).instanceId();
                assertThat(target).as("flood piles everything on the first instance").isEqualTo("i0");
                FollowingClient c = new FollowingClient(engines);
                clients.put(q.requestId(), c);
                engines.get(target).submit(q, c);
            }
            rescheduler.start(ticks);

            // Sample the per-instance load while every request is still live.
            int bestSpread = Integer.MAX_VALUE;
            int[] bestLoads = new int[0];
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && clients.values().stream().noneMatch(c -> c.done.isDone())) {
                int[] loads = engines.values().stream().mapToInt(e -> e.snapshot().numRunning() + e.snapshot().numWaiting()).toArray();
                if (Arrays.stream(loads).sum() == REQUESTS) {
                    int spread = Arrays.stream(loads).max().orElseThrow() - Arrays.stream(loads).min().orElseThrow();
                    if (spread < bestSpread) {
                        bestSpread = spread;
                        bestLoads = loads;
                    }
                }
                Thread.sleep(5);
            }

            int migrated = 0;
            for (var e : clients.entrySet()) {
                FollowingClient c = e.getValue();
                assertThat(c.await()).as(e.getKey()).isInstanceOf(RequestEvent.Finished.class);
                scheduler.release(e.getKey());
                assertThat(c.tokenArray()).as("output of %s after %d migrations", e.getKey(), c.migrations).containsExactly(expected.get(e.getKey()));
                migrated += c.migrations;
            }
            assertThat(bestSpread).as("smallest max-min of live requests per instance, loads %s", Arrays.toString(bestLoads)).isLessThanOrEqualTo(2);
            assertThat(migrated).as("live migrations the clients followed").isGreaterThanOrEqualTo(REQUESTS / 2);
            int followed = migrated;
            awaitUntil(() -> "the rescheduler counts the migrations the clients followed (" + followed + "; it counts "
                    + rescheduler.requestsMigrated() + " over " + rescheduler.ordersIssued() + " orders, " + migrations.ordersFailed()
                    + " of them failed)", () -> rescheduler.requestsMigrated() == followed);
            for (LlmEngine e : engines.values()) {
                MigrationFixture.awaitIdle(e);
            }
        } finally {
            rescheduler.close();
            ticks.shutdownNow();
            refresher.close();
            migrations.close();
            publishers.forEach(StatusPublisher::close);
            llumlets.forEach(Llumlet::close);
            engines.values().forEach(LlmEngine::close);
            store.close();
        }
    }

    /**
     * One migration from the first instance to each other one before the measurement, so that gRPC classes are
     * loaded and the channels are up: on this shared 2-core machine a cold first migration takes over a second.
     */
    private static void warmUp(Map<String, LlmEngine> engines, List<Llumlet> llumlets) throws Exception {
        LlmEngine first = engines.get(llumlets.getFirst().instanceId());
        for (Llumlet dst : llumlets.subList(1, llumlets.size())) {
            String id = "warm-" + dst.instanceId();
            FollowingClient c = new FollowingClient(engines);
            first.submit(new GenerateRequest(id, prompt(new Random(1), 20), SamplingParams.greedy(60).withIgnoreEos(true), 0), c);
            llumlets.getFirst().migrate(id, dst.address(), false).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
        }
        for (LlmEngine e : engines.values()) {
            MigrationFixture.awaitIdle(e);
        }
    }

    static void awaitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        awaitUntil(() -> what, condition);
    }

    /** As {@link #awaitUntil(String, java.util.function.BooleanSupplier)}, describing the state at the timeout. */
    static void awaitUntil(java.util.function.Supplier<String> what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what.get());
            }
            Thread.sleep(5);
        }
    }
}
