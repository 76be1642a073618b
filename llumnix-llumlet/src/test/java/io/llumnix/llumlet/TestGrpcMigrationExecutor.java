package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import io.llumnix.scheduler.rescheduling.MigrationExecutor.MigrationResult;
import io.llumnix.scheduler.rescheduling.MigrationOrder;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Failures of the rescheduler's gRPC executor are results, never exceptions. (Successes: TestReschedulingEndToEnd.) */
class TestGrpcMigrationExecutor {

    private static final MigrationOrder ORDER = new MigrationOrder("src", "dst", MigrationRule.NUM_REQ, RequestOrder.SR, 1, "decode_load", false);

    private static InstanceMetadata at(String id, int llumletPort) {
        return new InstanceMetadata(id, "127.0.0.1", 8000, llumletPort, InferType.DECODE, "", "", "m", 0, 0, "");
    }

    private static MigrationResult run(GrpcMigrationExecutor executor) throws Exception {
        return executor.migrate(ORDER).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void unknownInstanceOrNoLlumlet_movesNothing() throws Exception {
        try (var unknown = new GrpcMigrationExecutor(id -> Optional.empty(), 2, Duration.ofSeconds(5));
                var lite = new GrpcMigrationExecutor(id -> Optional.of(at(id, 0)), 2, Duration.ofSeconds(5))) {
            assertThat(run(unknown).migratedRequests()).isZero();
            assertThat(run(unknown).detail()).contains("no llumlet address known for src");
            assertThat(run(lite).detail()).contains("no llumlet address known");
            assertThat(unknown.ordersFailed()).isEqualTo(2);
        }
    }

    @Test
    void unreachableSource_isAResultNotAnException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        try (var executor = new GrpcMigrationExecutor(id -> Optional.of(at(id, closedPort)), 2, Duration.ofSeconds(5))) {
            MigrationResult r = run(executor);
            assertThat(r.migratedRequests()).isZero();
            assertThat(r.detail()).contains("Migrate on 127.0.0.1:" + closedPort).contains("UNAVAILABLE");
        }
    }

    @Test
    void ordersBeyondTheBound_areTurnedAwayAtOnce() throws Exception {
        CountDownLatch inDirectory = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var executor = new GrpcMigrationExecutor(id -> {
            inDirectory.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }, 1, Duration.ofSeconds(5))) {
            var first = executor.migrate(ORDER).toCompletableFuture();
            assertThat(inDirectory.await(10, TimeUnit.SECONDS)).isTrue();
            MigrationResult second = run(executor);
            assertThat(second.detail()).contains("too many migration orders in flight");
            assertThat(executor.ordersRejected()).isEqualTo(1);
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).migratedRequests()).isZero();
            assertThat(run(executor).detail()).doesNotContain("too many"); // the permit came back
        }
    }
}
