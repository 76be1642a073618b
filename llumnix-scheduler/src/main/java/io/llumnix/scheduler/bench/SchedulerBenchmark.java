package io.llumnix.scheduler.bench;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpServer;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long one {@code load-balance} decision takes as the cluster grows, against the yardstick that matters:
 * a loopback HTTP round trip (the cheapest hop a request makes anyway). For each cluster size it builds a
 * snapshot of random statuses, times single decisions (p50/p99, each followed by the request's release so
 * the ledger stays small), and measures throughput with 8 concurrent callers; then it times a small GET
 * against a JDK HTTP server on 127.0.0.1. Prints a table and returns the numbers.
 *
 * <p>Not thread-safe; run one at a time. Reproducible inputs from {@code seed}; timings are of course not.
 */
public final class SchedulerBenchmark {

    /** One cluster size's numbers. */
    public record SizeResult(int instances, double p50DecisionUs, double p99DecisionUs, double throughputPerSecond) {}

    /**
     * The whole run.
     *
     * @param sizes per cluster size, in the order given
     * @param loopbackRttP50Us median loopback HTTP round trip
     * @param p99OverRttAtMax p99 decision time at the largest size divided by the loopback RTT (target ≤ 0.2)
     */
    public record Result(List<SizeResult> sizes, double loopbackRttP50Us, double p99OverRttAtMax) {
        public Result {
            sizes = List.copyOf(sizes);
        }

        /** The JSON summary keys: {@code p99_decision_us} (by size), {@code loopback_rtt_p50_us}, {@code p99_over_rtt_at_max}. */
        public Map<String, Object> summary() {
            Map<String, Object> p99 = new LinkedHashMap<>();
            Map<String, Object> p50 = new LinkedHashMap<>();
            Map<String, Object> tput = new LinkedHashMap<>();
            for (SizeResult s : sizes) {
                p99.put(Integer.toString(s.instances()), round(s.p99DecisionUs()));
                p50.put(Integer.toString(s.instances()), round(s.p50DecisionUs()));
                tput.put(Integer.toString(s.instances()), Math.round(s.throughputPerSecond()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("p99_decision_us", p99);
            out.put("p50_decision_us", p50);
            out.put("throughput_8_callers_per_s", tput);
            out.put("loopback_rtt_p50_us", round(loopbackRttP50Us));
            out.put("p99_over_rtt_at_max", Math.round(p99OverRttAtMax * 1000) / 1000.0);
            return out;
        }
    }

    private static final int CALLERS = 8;

    private SchedulerBenchmark() {}

    /** {@link #run(int[], int, Duration, long, PrintStream)} with 20 000 timed decisions and 0.5 s of throughput per size. */
    public static Result run(int[] instanceCounts, PrintStream out) {
        return run(instanceCounts, 20_000, Duration.ofMillis(500), 42, out);
    }

    public static Result run(int[] instanceCounts, int decisions, Duration throughputWindow, long seed,
            PrintStream out) {
        requireNonNull(instanceCounts, "instanceCounts is null");
        requireNonNull(out, "out is null");
        if (instanceCounts.length == 0 || Arrays.stream(instanceCounts).anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("instance counts must be positive: " + Arrays.toString(instanceCounts));
        }
        if (decisions < 100) {
            throw new IllegalArgumentException("decisions must be at least 100: " + decisions);
        }
        List<SizeResult> sizes = new ArrayList<>();
        for (int n : instanceCounts) {
            sizes.add(measure(n, decisions, throughputWindow, seed));
        }
        double rtt = loopbackRttP50Us(Math.clamp(decisions / 10, 200, 2_000));
        int maxIndex = 0;
        for (int i = 1; i < instanceCounts.length; i++) {
            if (instanceCounts[i] > instanceCounts[maxIndex]) {
                maxIndex = i;
            }
        }
        Result result = new Result(sizes, rtt, sizes.get(maxIndex).p99DecisionUs() / rtt);
        print(result, out);
        return result;
    }

    private static SizeResult measure(int n, int decisions, Duration window, long seed) {
        Clock clock = Clock.system();
        Scheduler scheduler = new Scheduler(SchedulerConfig.defaults(), clock);
        scheduler.updateSnapshot(randomSnapshot(n, seed, clock.currentTimeMillis()));
        SplittableRandom random = new SplittableRandom(seed);
        // warm-up: let the JIT compile the decision path
        for (int i = 0; i < decisions; i++) {
            decide(scheduler, "w" + i, random);
        }
        long[] nanos = new long[decisions];
        String[] ids = new String[decisions];
        for (int i = 0; i < decisions; i++) {
            ids[i] = "r" + i;
        }
        for (int i = 0; i < decisions; i++) {
            long start = System.nanoTime();
            decide(scheduler, ids[i], random);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        double p50 = nanos[decisions / 2] / 1_000.0;
        double p99 = nanos[(int) Math.min(decisions - 1, Math.ceil(decisions * 0.99) - 1)] / 1_000.0;
        return new SizeResult(n, p50, p99, throughput(scheduler, window, seed));
    }

    private static void decide(Scheduler scheduler, String requestId, SplittableRandom random) {
        ScheduleDecision d = scheduler.schedule(ScheduleRequest.of(requestId, 64 + random.nextInt(1024)));
        if (!(d instanceof ScheduleDecision.Dispatched)) {
            throw new IllegalStateException("benchmark cluster refused a request: " + d);
        }
        scheduler.release(requestId);
    }

    private static double throughput(Scheduler scheduler, Duration window, long seed) {
        AtomicLong total = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(CALLERS);
        long[] deadline = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < CALLERS; t++) {
            int caller = t;
            threads.add(Thread.ofPlatform().name("bench-caller-" + t).start(() -> {
                SplittableRandom random = new SplittableRandom(seed + caller);
                ready.countDown();
                try {
                    ready.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long count = 0;
                long end = System.nanoTime() + window.toNanos();
                while (System.nanoTime() < end) {
                    decide(scheduler, "t" + caller + "-" + count, random);
                    count++;
                }
                total.addAndGet(count);
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return total.get() / (window.toNanos() / 1e9);
    }

    /** A full-mode cluster of {@code n} neutral instances with random loads, all schedulable and fresh. */
    public static ClusterSnapshot randomSnapshot(int n, long seed, long nowMs) {
        SplittableRandom r = new SplittableRandom(seed ^ n);
        List<InstanceView> views = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = String.format("instance-%05d", i);
            long total = 65_536;
            long used = r.nextLong(total);
            int waiting = r.nextInt(8);
            int running = r.nextInt(64);
            InstanceStatus s = new InstanceStatus(id, true, nowMs, r.nextLong(1_000_000), InferType.NEUTRAL,
                    "unit-" + (i / 64), "node-" + (i / 8), waiting, running, 0, running, total, used, 16,
                    waiting * 512L, r.nextInt(2048), used, waiting > 0 ? 8 : 0, 1, 1, 0, 0, List.of(), List.of(),
                    20 + r.nextDouble() * 30);
            InstanceMetadata m = new InstanceMetadata(id, "10.0." + (i / 256) + "." + (i % 256), 8000, 9000,
                    InferType.NEUTRAL, s.unitId(), s.nodeId(), "bench", total, 0, "");
            views.add(InstanceView.of(m, s));
        }
        return ClusterSnapshot.of(views, nowMs);
    }

    /** Median round trip of a small GET to a JDK HTTP server on 127.0.0.1, after warm-up. */
    public static double loopbackRttP50Us(int samples) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind a loopback HTTP server", e);
        }
        byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
        server.createContext("/ping", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ping");
            HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < samples; i++) {
                send(client, request);
            }
            long[] nanos = new long[samples];
            for (int i = 0; i < samples; i++) {
                long start = System.nanoTime();
                send(client, request);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            return nanos[samples / 2] / 1_000.0;
        } finally {
            server.stop(0);
        }
    }

    private static void send(HttpClient client, HttpRequest request) {
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("loopback server answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("loopback round trip failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void print(Result result, PrintStream out) {
        out.println("scheduler decision time (load-balance, full mode)");
        out.printf("%10s %12s %12s %16s%n", "instances", "p50 (us)", "p99 (us)", "8 callers (/s)");
        for (SizeResult s : result.sizes()) {
            out.printf("%10d %12.2f %12.2f %16.0f%n", s.instances(), s.p50DecisionUs(), s.p99DecisionUs(),
                    s.throughputPerSecond());
        }
        out.printf("loopback HTTP round trip p50: %.1f us%n", result.loopbackRttP50Us());
        out.printf("p99 at max size / loopback RTT: %.3f (target <= 0.2)%n", result.p99OverRttAtMax());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** {@code java … SchedulerBenchmark [16,64,256,1024]} */
    public static void main(String[] args) {
        int[] sizes = args.length == 0
                ? new int[] {16, 64, 256, 1024}
                : Arrays.stream(args[0].split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        System.out.println(run(sizes, System.out).summary());
    }
}
