package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.llumlet.MigrationFixture.FollowingClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A llumlet publishing a real stories260K engine's status to the cluster meta store. */
class TestStatusPublisher {

    private static final StatusPublisherConfig FAST = StatusPublisherConfig.defaults()
            .withHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
            .withEngineStallTimeout(Duration.ofMillis(300));

    private GatedExecutor executor;
    private LlmEngine engine;
    private Llumlet llumlet;
    private final TestingClusterMetaStore store = new TestingClusterMetaStore();

    @BeforeEach
    void start() {
        LoadedModel m = MigrationFixture.model();
        var config = MigrationFixture.config(256, 48);
        executor = new GatedExecutor(new PacedExecutor(m.newExecutor(config.numKvBlocks(), config.blockSize()), 1_000_000L));
        engine = LlmEngine.start("p", config, executor, m.tokenizer(), Clock.system());
        llumlet = Llumlet.start(engine, LlumletConfig.local("p", "http://127.0.0.1:1").withMigration(MigrationConfig.defaults().withSlots(1, 2)),
                Clock.system());
    }

    @AfterEach
    void stop() {
        executor.release();
        llumlet.close();
        engine.close();
        store.close();
    }

    private StatusPublisher publisher(StatusPublisherConfig config) {
        return StatusPublisher.start(llumlet, llumlet.metadata(8000), store, config, Clock.system());
    }

    private FollowingClient submit(String id, int maxTokens) {
        FollowingClient c = new FollowingClient(Map.of("p", engine));
        int[] prompt = new int[40];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 3 + (i * 37) % 500;
        }
        engine.submit(new GenerateRequest(id, prompt, SamplingParams.greedy(maxTokens).withIgnoreEos(true), 0), c);
        return c;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    private Optional<InstanceStatus> stored() {
        return store.getStatus("p");
    }

    @Test
    void publishesOnLoadChangingSteps_throttled_andTheLastChangeLands() throws Exception {
        try (StatusPublisher p = publisher(FAST.withPushStatusInterval(Duration.ofMillis(40)))) {
            await("the idle instance is published", () -> stored().isPresent());
            FollowingClient c = submit("r1", 250);
            assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
            await("the engine is idle", () -> engine.snapshot().numRunning() == 0);
            await("the final step is published",
                    () -> stored().map(s -> s.stepId() == engine.snapshot().stepId() && s.numRunningRequests() == 0).orElse(false));

            assertThat(store.getMetadata("p")).hasValueSatisfying(m -> {
                assertThat(m.llumletPort()).isEqualTo(Integer.parseInt(llumlet.address().substring(llumlet.address().lastIndexOf(':') + 1)));
                assertThat(m.maxTokens()).isEqualTo(256L * engine.config().blockSize());
            });
            List<TestingClusterMetaStore.Put> puts = store.statusPuts;
            for (int i = 1; i < puts.size(); i++) {
                long gapMs = (puts.get(i).nanoTime() - puts.get(i - 1).nanoTime()) / 1_000_000;
                assertThat(gapMs).as("gap between status %d and %d", i - 1, i).isGreaterThanOrEqualTo(38);
            }
            List<InstanceStatus> statuses = store.statusesOf("p");
            assertThat(statuses).anySatisfy(s -> assertThat(s.numRunningRequests()).isEqualTo(1));
            assertThat(statuses).as("the request is announced to the dispatch ledger once it is here")
                    .anySatisfy(s -> assertThat(s.recentWaitingRequestIds().contains("r1") || s.waitingRequestIds().contains("r1")).isTrue());
            assertThat(statuses).allSatisfy(s -> assertThat(s.schedulable()).isTrue());
            assertThat(p.statusesPublished()).isEqualTo(puts.size());
        }
    }

    @Test
    void close_deletesTheInstancesKeys() throws Exception {
        StatusPublisher p = publisher(FAST);
        await("published", () -> stored().isPresent() && store.getMetadata("p").isPresent());
        p.close();
        assertThat(store.getMetadata("p")).isEmpty();
        assertThat(stored()).isEmpty();
    }

    @Test
    void engineThatStopsSteppingWithWork_isPublishedUnschedulable_untilItStepsAgain() throws Exception {
        try (StatusPublisher p = publisher(FAST)) {
            FollowingClient c = submit("stuck", 300);
            await("the request runs", () -> engine.snapshot().numRunning() == 1);
            executor.hold();
            await("the watchdog fires", p::engineStalled);
            await("the stalled engine is published unschedulable", () -> stored().map(s -> !s.schedulable()).orElse(false));
            executor.release();
            await("the engine is published schedulable again", () -> !p.engineStalled() && stored().map(InstanceStatus::schedulable).orElse(false));
            assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
        }
    }

    /** Without a publisher (serve's in-memory mode) the scheduler pulls: the same stall rule and arrival ids apply. */
    @Test
    void pulledStatus_namesEachArrivalOnce_andSaysUnschedulableWhileTheEngineStalls() throws Exception {
        llumlet.pullStallTimeout(Duration.ofMillis(300));
        FollowingClient c = submit("pulled", 300);
        await("the request runs", () -> engine.snapshot().numRunning() == 1);
        InstanceStatus first = llumlet.pulledStatus();
        assertThat(first.schedulable()).isTrue();
        assertThat(first.recentWaitingRequestIds()).containsExactly("pulled");
        assertThat(llumlet.pulledStatus().recentWaitingRequestIds()).as("named once").isEmpty();
        executor.hold();
        await("the stalled engine is pulled unschedulable", () -> !llumlet.pulledStatus().schedulable());
        executor.release();
        await("the engine is pulled schedulable again", () -> llumlet.pulledStatus().schedulable());
        assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
    }

    @Test
    void migrationSlots_arePublished_andASlotChangeAloneIsPublished() throws Exception {
        try (StatusPublisher p = publisher(FAST)) {
            await("published", () -> stored().isPresent());
            assertThat(stored().orElseThrow().numMigrateInSlots()).isEqualTo(2);
            assertThat(stored().orElseThrow().numMigrateOutSlots()).isEqualTo(1);
            llumlet.inSlots().acquire(); // as a migration arriving here does
            try {
                await("the taken slot is published", () -> stored().map(s -> s.numMigrateInSlots() == 1 && s.numLoadingRequests() == 1).orElse(false));
            } finally {
                llumlet.inSlots().release();
            }
            await("the freed slot is published", () -> stored().map(s -> s.numMigrateInSlots() == 2).orElse(false));
        }
    }

    @Test
    void drain_publishesTheInstanceUnschedulable() throws Exception {
        try (StatusPublisher p = publisher(FAST)) {
            await("published", () -> stored().isPresent());
            p.drain();
            await("drained", () -> stored().map(s -> !s.schedulable()).orElse(false));
        }
    }

    @Test
    void storeFailures_neverStopThePublisherOrTheEngine() throws Exception {
        store.failing = true;
        try (StatusPublisher p = publisher(FAST)) {
            FollowingClient c = submit("during-outage", 60);
            assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
            await("failures were seen", () -> p.storeFailures() > 3);
            store.failing = false;
            await("the instance is back in the store", () -> store.getMetadata("p").isPresent() && stored().isPresent());
            assertThat(stored().orElseThrow().stepId()).isEqualTo(engine.snapshot().stepId());
        }
    }
}
