package io.llumnix.llumlet;

import io.llumnix.cms.RedisServerProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.RedisClusterMetaStore;
import io.llumnix.cms.RedisCmsConfig;
import io.llumnix.core.Clock;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.llumlet.MigrationFixture.FollowingClient;
import io.llumnix.scheduler.ClusterSnapshotRefresher;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SnapshotSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A real redis-server as the cluster meta store while requests flow through the scheduler to two real engines whose
 * llumlets publish to it. Redis is stopped mid-flow: scheduling continues on the last snapshot plus the dispatch
 * ledger, publishers keep failing quietly, nothing exits. Redis restarts (empty): the instances re-register within a
 * heartbeat and fresh statuses flow again. Every request is served.
 */
class TestRedisOutage {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);

    private static RedisClusterMetaStore store(int port) {
        return new RedisClusterMetaStore(new RedisCmsConfig("127.0.0.1", port, "", "", 0, COMMAND_TIMEOUT, Duration.ofMillis(50)));
    }

    @Test
    void redisStopped_schedulingContinuesOnLastSnapshotAndLedger_recoversOnRestart_noRequestLost() throws Exception {
        Clock clock = Clock.system();
        LoadedModel m = MigrationFixture.model();
        EngineConfig config = MigrationFixture.config(512, 64);
        StatusPublisherConfig publishing = StatusPublisherConfig.defaults().withHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(3));
        Map<String, LlmEngine> engines = new LinkedHashMap<>();
        List<Llumlet> llumlets = new ArrayList<>();
        List<StatusPublisher> publishers = new ArrayList<>();
        List<RedisClusterMetaStore> stores = new ArrayList<>();
        try (RedisServerProcess redis = RedisServerProcess.startNew()) {
            for (String id : List.of("a", "b")) {
                LlmEngine e = LlmEngine.start(id, config, new PacedExecutor(m.newExecutor(config.numKvBlocks(), config.blockSize()), 1_000_000L),
                        m.tokenizer(), clock);
                engines.put(id, e);
                Llumlet l = MigrationFixture.llumlet(e, id, MigrationConfig.defaults());
                llumlets.add(l);
                RedisClusterMetaStore s = store(redis.port()); // each llumlet its own connection, as in its own process
                stores.add(s);
                publishers.add(StatusPublisher.start(l, l.metadata(0), s, publishing, clock));
            }
            RedisClusterMetaStore schedulerStore = store(redis.port());
            stores.add(schedulerStore);
            Scheduler scheduler = new Scheduler(SchedulerConfig.defaults(), clock);
            try (ClusterSnapshotRefresher refresher = new ClusterSnapshotRefresher(SnapshotSource.fromStore(schedulerStore), Duration.ofMillis(20),
                    clock, scheduler::updateSnapshot)) {
                refresher.start();
                TestReschedulingEndToEnd.awaitUntil("both instances are in the snapshot with a status",
                        () -> scheduler.snapshot().instances().stream().filter(v -> v.status().isPresent()).count() == 2);

                Traffic traffic = new Traffic(scheduler, engines);
                Thread flow = Thread.ofVirtual().start(traffic::run);
                Thread.sleep(600);
                int beforeOutage = traffic.dispatched.get();

                redis.stop();
                TestReschedulingEndToEnd.awaitUntil("the refresher notices the outage", () -> refresher.consecutiveFailures() > 3);
                int atOutage = traffic.dispatched.get();
                traffic.markOutage();
                Thread.sleep(1_000);
                int duringOutage = traffic.dispatched.get() - atOutage;
                assertThat(duringOutage).as("requests placed while redis is down").isGreaterThan(10);
                assertThat(traffic.perInstanceDuringOutage()).as("the ledger spreads requests without fresh statuses")
                        .allSatisfy((id, n) -> assertThat(n).isPositive());
                assertThat(publishers).allSatisfy(p -> assertThat(p.storeFailures()).isPositive());
                assertThat(scheduler.snapshot().size()).isEqualTo(2);

                long publishedBeforeRestart = publishers.stream().mapToLong(StatusPublisher::statusesPublished).sum();
                redis.start();
                TestReschedulingEndToEnd.awaitUntil("the refresher reads redis again", () -> refresher.consecutiveFailures() == 0);
                TestReschedulingEndToEnd.awaitUntil("both instances re-registered with fresh statuses", () -> scheduler.snapshot().instances().stream()
                        .filter(v -> v.status().map(s -> s.timestampMs() > System.currentTimeMillis() - 1_000).orElse(false)).count() == 2);
                assertThat(publishers.stream().mapToLong(StatusPublisher::statusesPublished).sum()).isGreaterThan(publishedBeforeRestart);
                int afterRestart = traffic.dispatched.get();
                Thread.sleep(400);
                assertThat(traffic.dispatched.get()).isGreaterThan(afterRestart);

                traffic.stop.set(true);
                flow.join(10_000);
                for (var e : traffic.clients.entrySet()) {
                    assertThat(e.getValue().await()).as(e.getKey()).isInstanceOf(RequestEvent.Finished.class);
                    assertThat(e.getValue().tokenArray()).as(e.getKey()).hasSize(Traffic.MAX_TOKENS);
                }
                assertThat(traffic.clients).hasSize(traffic.dispatched.get());
                assertThat(beforeOutage).isPositive();
                assertThat(traffic.failures).as("requests the scheduler could not place (a gateway would retry)").isEmpty();
                assertThat(scheduler.ledger().size()).as("every finished request was released").isZero();
            }
        } finally {
            publishers.forEach(StatusPublisher::close);
            llumlets.forEach(Llumlet::close);
            engines.values().forEach(LlmEngine::close);
            stores.forEach(RedisClusterMetaStore::close);
        }
    }

    /**
     * A gateway's worth of traffic: a request every 10 ms through the scheduler to the chosen engine, released when
     * it finishes. A NoInstance answer is retried for up to a second (what a gateway does), and recorded if it persists.
     */
    private static final class Traffic {
        static final int MAX_TOKENS = 24;

        final Scheduler scheduler;
        final Map<String, LlmEngine> engines;
        final Map<String, FollowingClient> clients = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> perInstance = new ConcurrentHashMap<>();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger dispatched = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        private volatile Map<String, Integer> outageStart = Map.of();

        Traffic(Scheduler scheduler, Map<String, LlmEngine> engines) {
            this.scheduler = scheduler;
            this.engines = engines;
        }

        Map<String, Integer> perInstanceDuringOutage() {
            Map<String, Integer> out = new LinkedHashMap<>();
            perInstance.forEach((id, n) -> out.put(id, n.get() - outageStart.getOrDefault(id, 0)));
            return out;
        }

        void run() {
            int i = 0;
            while (!stop.get()) {
                String id = "q" + i++;
                int[] prompt = new int[16 + i % 32];
                prompt[0] = 1;
                for (int k = 1; k < prompt.length; k++) {
                    prompt[k] = 3 + (k * 31 + i) % 500;
                }
                ScheduleDecision d = scheduler.schedule(ScheduleRequest.of(id, prompt.length));
                long deadline = System.nanoTime() + 1_000_000_000L;
                while (d instanceof ScheduleDecision.NoInstance && System.nanoTime() < deadline) {
                    sleep(20);
                    d = scheduler.schedule(ScheduleRequest.of(id, prompt.length));
                }
                switch (d) {
                    case ScheduleDecision.Dispatched ok -> {
                        FollowingClient c = new FollowingClient(engines);
                        c.done.whenComplete((ev, err) -> scheduler.release(id));
                        clients.put(id, c);
                        perInstance.computeIfAbsent(ok.instanceId(), k -> new AtomicInteger()).incrementAndGet();
                        dispatched.incrementAndGet();
                        engines.get(ok.instanceId()).submit(new GenerateRequest(id, prompt, SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true), 0), c);
                    }
                    case ScheduleDecision.NoInstance no -> failures.add(id + ": " + no.reason());
                }
                sleep(10);
            }
        }

        void markOutage() {
            Map<String, Integer> snap = new LinkedHashMap<>();
            perInstance.forEach((id, n) -> snap.put(id, n.get()));
            outageStart = snap;
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
