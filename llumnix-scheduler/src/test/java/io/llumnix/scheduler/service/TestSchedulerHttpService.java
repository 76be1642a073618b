package io.llumnix.scheduler.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerClient;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.TestingCluster;
import io.llumnix.scheduler.TestingCluster.FixedClock;
import io.llumnix.scheduler.TestingCluster.Status;
import io.llumnix.scheduler.autoscale.AutoscaleAdvisor;
import io.llumnix.scheduler.autoscale.AutoscaleConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scheduler served over real loopback HTTP, and its client. */
final class TestSchedulerHttpService {

    private static final Duration KEEPALIVE = Duration.ofMillis(50);
    private static final Duration CALL = Duration.ofSeconds(2);

    private final FixedClock schedulerClock = new FixedClock();

    private static ClusterSnapshot cluster() {
        Random r = new Random(7);
        List<Status> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Status s = TestingCluster.instance("i" + i);
            s.waitingPrefill = r.nextInt(4_000);
            s.used = r.nextInt(5_000);
            all.add(s);
        }
        return TestingCluster.snapshot(all.toArray(Status[]::new));
    }

    private Scheduler scheduler() {
        Scheduler s = new Scheduler(SchedulerConfig.defaults(), schedulerClock);
        s.updateSnapshot(cluster());
        return s;
    }

    private static String target(ScheduleDecision d) {
        assertThat(d).isInstanceOf(ScheduleDecision.Dispatched.class);
        return ((ScheduleDecision.Dispatched) d).instanceId();
    }

    @Test
    void remoteClient_decidesExactlyAsTheInProcessScheduler_andReleases() {
        Scheduler local = scheduler();
        Scheduler served = scheduler();
        try (var service = SchedulerHttpService.start(served, Optional.empty(), SchedulerServiceConfig.local(), Clock.system());
                var remote = new HttpSchedulerClient(service.baseUri(), "gw-1", "", KEEPALIVE, CALL)) {
            List<SchedulerClient> both = List.of(local, remote);
            for (int i = 0; i < 40; i++) {
                ScheduleRequest q = ScheduleRequest.of("r" + i, 50 + 37 * i % 900);
                assertThat(target(remote.schedule(q))).as("request %d", i).isEqualTo(target(both.getFirst().schedule(q)));
            }
            ScheduleDecision.Dispatched d = (ScheduleDecision.Dispatched) remote.schedule(ScheduleRequest.of("meta", 10));
            assertThat(d.instance().llumletPort()).isEqualTo(9000);
            assertThat(served.ledger().size()).isEqualTo(41);
            assertThat(remote.release("r0")).isTrue();
            assertThat(remote.release("r0")).isFalse();
            assertThat(served.ledger().size()).isEqualTo(40);
            assertThat(service.gateways()).isEqualTo(1);
        }
    }

    @Test
    void deadGateway_hasItsInFlightEntriesReclaimed_liveGatewayKeepsItsOwn() throws Exception {
        Scheduler served = scheduler();
        SchedulerServiceConfig config = SchedulerServiceConfig.local().withGatewayLeaseTimeout(Duration.ofMillis(300));
        try (var service = SchedulerHttpService.start(served, Optional.empty(), config, Clock.system());
                var alive = new HttpSchedulerClient(service.baseUri(), "gw-alive", "", KEEPALIVE, CALL)) {
            var dying = new HttpSchedulerClient(service.baseUri(), "gw-dying", "", KEEPALIVE, CALL);
            for (int i = 0; i < 5; i++) {
                target(dying.schedule(ScheduleRequest.of("d" + i, 100)));
            }
            target(alive.schedule(ScheduleRequest.of("a0", 100)));
            target(alive.schedule(ScheduleRequest.of("a1", 100)));
            assertThat(served.ledger().size()).isEqualTo(7);
            dying.close(); // stops its keepalive without releasing anything, as a crashed gateway would

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (served.ledger().size() > 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(served.ledger().size()).isEqualTo(2);
            assertThat(served.ledger().instanceOf("a0")).isPresent();
            assertThat(served.ledger().instanceOf("d0")).isEmpty();
            assertThat(service.reclaimedRequests()).isEqualTo(5);
            Thread.sleep(400); // the live gateway's keepalive holds its lease
            assertThat(served.ledger().size()).isEqualTo(2);
            assertThat(service.gateways()).isEqualTo(1);
        }
    }

    @Test
    void authToken_isRequiredWhenConfigured() {
        Scheduler served = scheduler();
        try (var service = SchedulerHttpService.start(served, Optional.empty(), SchedulerServiceConfig.local().withAuthToken("s3cret"),
                Clock.system());
                var good = new HttpSchedulerClient(service.baseUri(), "gw-good", "s3cret", KEEPALIVE, CALL);
                var bad = new HttpSchedulerClient(service.baseUri(), "gw-bad", "guess", KEEPALIVE, CALL)) {
            target(good.schedule(ScheduleRequest.of("ok", 10)));
            ScheduleDecision refused = bad.schedule(ScheduleRequest.of("no", 10));
            assertThat(refused).isInstanceOfSatisfying(ScheduleDecision.NoInstance.class,
                    n -> assertThat(n.reason()).contains("HTTP 401").contains("unauthorized"));
            assertThat(served.ledger().size()).isEqualTo(1);
        }
    }

    @Test
    void unreachableScheduler_answersNoInstance_andNeverThrows() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (var client = new HttpSchedulerClient(URI.create("http://127.0.0.1:" + port), "gw", "", KEEPALIVE, Duration.ofMillis(500))) {
            assertThat(client.schedule(ScheduleRequest.of("x", 10))).isInstanceOfSatisfying(ScheduleDecision.NoInstance.class,
                    n -> assertThat(n.reason()).contains("unreachable"));
            assertThat(client.release("x")).isFalse();
            Thread.sleep(150);
            assertThat(client.keepaliveFailures()).isPositive();
        }
    }

    @Test
    void malformedCalls_get400_andAdviceAndMetricsAreServed() throws Exception {
        Scheduler served = scheduler();
        AutoscaleAdvisor advisor = new AutoscaleAdvisor(AutoscaleConfig.defaults(), schedulerClock);
        advisor.observe(served.snapshot());
        try (var service = SchedulerHttpService.start(served, Optional.of(advisor), SchedulerServiceConfig.local(), Clock.system());
                HttpClient http = HttpClient.newHttpClient()) {
            URI base = service.baseUri();
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(base.resolve("/v1/schedule"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"requestId\": ")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("invalid_request_error");
            HttpResponse<String> noGateway = http.send(HttpRequest.newBuilder(base.resolve("/v1/schedule"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"requestId\":\"r\",\"targetType\":\"NEUTRAL\",\"promptTokens\":3}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(noGateway.statusCode()).isEqualTo(400);
            assertThat(noGateway.body()).contains("gatewayId is required");
            HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(base.resolve("/v1/schedule")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrongMethod.statusCode()).isEqualTo(405);

            HttpResponse<String> advice = http.send(HttpRequest.newBuilder(base.resolve("/v1/autoscale")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(advice.statusCode()).isEqualTo(200);
            assertThat(advice.body()).contains("\"action\":\"HOLD\"").contains("\"instances\":5");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("llumnix_scheduler_inflight_requests 0").contains("llumnix_autoscale_advice{action=\"hold\"} 1")
                    .contains("llumnix_autoscale_load ");
        }
    }
}
