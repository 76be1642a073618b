package io.llumnix.gateway.bench;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code llumnix bench gateway}: the cost of putting the gateway in front of an OpenAI-compatible backend, next to
 * nginx doing the same job. A fast mock upstream (Vert.x, in this process) streams {@code tokens} SSE completion
 * chunks per request; the same closed-loop load generator ({@code concurrency} streaming clients on loopback,
 * bounded by time and request count) drives it (a) directly, (b) through {@link Gateway} configured for a plain
 * OpenAI backend (lite mode: one fixed instance, in-process lite scheduler, {@link GatewayConfig.Forwarding#OPENAI})
 * and (c) through nginx as a streaming reverse proxy with an upstream keepalive pool. Reports requests/s and
 * end-to-end latency percentiles (exact, from the sorted samples) and the latency each proxy adds over direct.
 */
public final class GatewayBenchmark {

    private static final String MODEL = "bench-model";
    private static final String NGINX = "/usr/sbin/nginx";

    private GatewayBenchmark() {}

    /**
     * @param concurrency streaming clients kept busy at once
     * @param tokens SSE chunks per answer
     * @param duration measured time per target
     * @param warmup unmeasured load per target before measuring
     * @param maxRequests measured requests per target at most
     * @param nginx run the nginx target (installed with apt-get when missing)
     */
    public record Options(int concurrency, int tokens, Duration duration, Duration warmup, long maxRequests, boolean nginx) {
        public Options {
            requireNonNull(duration, "duration is null");
            requireNonNull(warmup, "warmup is null");
            if (concurrency < 1 || concurrency > 4096) {
                throw new IllegalArgumentException("--concurrency must be in 1..4096, got " + concurrency);
            }
            if (tokens < 1 || tokens > 100_000) {
                throw new IllegalArgumentException("--tokens must be in 1..100000, got " + tokens);
            }
            if (!duration.isPositive() || warmup.isNegative()) {
                throw new IllegalArgumentException("--duration must be positive and --warmup not negative");
            }
            if (maxRequests < 1) {
                throw new IllegalArgumentException("--max-requests must be positive, got " + maxRequests);
            }
        }

        /** 32 streams, 16 tokens, 10 s measured after 3 s of warm-up per target, at most 10 million requests, with nginx. */
        public static Options defaults() {
            return new Options(32, 16, Duration.ofSeconds(10), Duration.ofSeconds(3), 10_000_000L, true);
        }
    }

    /** One target's measurement; latencies in milliseconds, added ones relative to direct. */
    public record Target(String name, long requests, long errors, double seconds, double requestsPerSecond, double p50Ms, double p99Ms,
            double addedP50Ms, double addedP99Ms) {}

    /**
     * @param targets direct, gateway and (when run) nginx, in that order
     * @param nginxSkipped why nginx was not measured, if it was not
     */
    public record Result(Options options, List<Target> targets, Optional<String> nginxSkipped, double loadAverage) {

        public Optional<Target> target(String name) {
            return targets.stream().filter(t -> t.name().equals(name)).findFirst();
        }

        /** Gateway requests/s over nginx's (NaN without nginx). */
        public double throughputRatioVsNginx() {
            return target("nginx").map(n -> target("gateway").orElseThrow().requestsPerSecond() / n.requestsPerSecond()).orElse(Double.NaN);
        }

        /**
         * Gateway's added p99 over nginx's (NaN without nginx). nginx's added p99 is floored at 1 µs so that a proxy
         * adding nothing measurable does not divide by zero.
         */
        public double addedP99RatioVsNginx() {
            return target("nginx").map(n -> target("gateway").orElseThrow().addedP99Ms() / Math.max(n.addedP99Ms(), 0.001)).orElse(Double.NaN);
        }

        /**
         * The JSON summary: {@code throughput_ratio_vs_nginx}, {@code added_p99_ratio_vs_nginx} (null without nginx),
         * the targets' raw figures under {@code targets}, the run's options and the load average.
         */
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("throughput_ratio_vs_nginx", finiteOrNull(throughputRatioVsNginx()));
            m.put("added_p99_ratio_vs_nginx", finiteOrNull(addedP99RatioVsNginx()));
            m.put("throughput_target_met", target("nginx").isPresent() ? throughputRatioVsNginx() >= 0.7 : null);
            m.put("added_p99_target_met", target("nginx").isPresent() ? addedP99RatioVsNginx() <= 2.0 : null);
            Map<String, Object> ts = new LinkedHashMap<>();
            for (Target t : targets) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("requests", t.requests());
                x.put("errors", t.errors());
                x.put("seconds", t.seconds());
                x.put("requests_per_second", t.requestsPerSecond());
                x.put("p50_ms", t.p50Ms());
                x.put("p99_ms", t.p99Ms());
                x.put("added_p50_ms", t.addedP50Ms());
                x.put("added_p99_ms", t.addedP99Ms());
                ts.put(t.name(), x);
            }
            m.put("targets", ts);
            m.put("nginx_skipped", nginxSkipped.orElse(null));
            m.put("concurrency", options.concurrency());
            m.put("tokens", options.tokens());
            m.put("duration_s", options.duration().toMillis() / 1000.0);
            m.put("warmup_s", options.warmup().toMillis() / 1000.0);
            m.put("cores", Runtime.getRuntime().availableProcessors());
            m.put("load_average", finiteOrNull(loadAverage));
            return m;
        }

        private static Object finiteOrNull(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    public static Result run(Options options, PrintStream out) {
        requireNonNull(options, "options is null");
        requireNonNull(out, "out is null");
        out.printf(Locale.ROOT, "gateway benchmark: %d concurrent streams x %d tokens, %.1f s per target (in %d interleaved rounds) after %.1f s warm-up, %d cores%n",
                options.concurrency(), options.tokens(), options.duration().toMillis() / 1000.0, ROUNDS, options.warmup().toMillis() / 1000.0,
                Runtime.getRuntime().availableProcessors());
        List<Measured> measured = new ArrayList<>();
        Optional<String> nginxSkipped = Optional.empty();
        BenchGateway gateway = null;
        NginxProxy proxy = null;
        try (MockUpstream mock = new MockUpstream(options.tokens());
                LoadGenerator load = new LoadGenerator(options)) {
            List<String> names = new ArrayList<>(List.of("direct", "gateway"));
            List<Integer> ports = new ArrayList<>(List.of(mock.port()));
            gateway = new BenchGateway(mock.port());
            ports.add(gateway.port());
            if (!options.nginx()) {
                nginxSkipped = Optional.of("disabled");
            } else {
                Optional<Path> nginx = findOrInstallNginx(out);
                if (nginx.isEmpty()) {
                    nginxSkipped = Optional.of("nginx not installed and apt-get install -y nginx failed");
                } else {
                    proxy = new NginxProxy(nginx.get(), mock.port());
                    names.add("nginx");
                    ports.add(proxy.port());
                }
            }
            // Warm every target up, then measure in ROUNDS interleaved rounds (direct, gateway, nginx, direct, …) so
            // that drift in the machine's load and GC pauses spread over all targets alike.
            for (int port : ports) {
                if (options.warmup().isPositive()) {
                    load.phase(port, options.warmup(), Long.MAX_VALUE);
                }
            }
            Duration slice = options.duration().dividedBy(ROUNDS);
            long maxPerSlice = Math.max(1, options.maxRequests() / ROUNDS);
            List<List<Phase>> phases = new ArrayList<>();
            names.forEach(n -> phases.add(new ArrayList<>()));
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < ports.size(); i++) {
                    phases.get(i).add(load.phase(ports.get(i), slice, maxPerSlice));
                }
            }
            for (int i = 0; i < names.size(); i++) {
                Stats st = Phase.merge(phases.get(i));
                out.printf(Locale.ROOT, "  %-8s %8d requests (%d errors) in %.2f s: %.0f req/s, p50 %.3f ms, p99 %.3f ms%n", names.get(i),
                        st.requests(), st.errors(), st.seconds(), st.rps(), st.p50Ms(), st.p99Ms());
                measured.add(new Measured(names.get(i), st));
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (gateway != null) {
                gateway.close();
            }
        }
        Stats direct = measured.getFirst().stats();
        List<Target> targets = measured.stream().map(m -> new Target(m.name(), m.stats().requests(), m.stats().errors(), m.stats().seconds(),
                m.stats().rps(), m.stats().p50Ms(), m.stats().p99Ms(), m.stats().p50Ms() - direct.p50Ms(), m.stats().p99Ms() - direct.p99Ms()))
                .toList();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Result result = new Result(options, targets, nginxSkipped, os.getSystemLoadAverage());
        print(result, out);
        return result;
    }

    private static void print(Result r, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "%-8s %9s %7s %10s %9s %9s %11s %11s%n", "target", "requests", "errors", "req/s", "p50 ms", "p99 ms",
                "+p50 ms", "+p99 ms");
        for (Target t : r.targets()) {
            out.printf(Locale.ROOT, "%-8s %9d %7d %10.0f %9.3f %9.3f %11.3f %11.3f%n", t.name(), t.requests(), t.errors(), t.requestsPerSecond(),
                    t.p50Ms(), t.p99Ms(), t.addedP50Ms(), t.addedP99Ms());
        }
        if (r.target("nginx").isPresent()) {
            out.printf(Locale.ROOT, "gateway/nginx throughput: %.2fx (target >= 0.70x) %s%n", r.throughputRatioVsNginx(),
                    r.throughputRatioVsNginx() >= 0.7 ? "met" : "MISSED");
            out.printf(Locale.ROOT, "gateway/nginx added p99: %.2fx (target <= 2.00x) %s%n", r.addedP99RatioVsNginx(),
                    r.addedP99RatioVsNginx() <= 2.0 ? "met" : "MISSED");
        } else {
            out.println("nginx not measured: " + r.nginxSkipped().orElse("?"));
        }
        out.printf(Locale.ROOT, "load average: %.2f%n", r.loadAverage());
    }

    private record Measured(String name, Stats stats) {}

    private record Stats(long requests, long errors, double seconds, double rps, double p50Ms, double p99Ms) {}

    /** Rounds each target's measured time is split into. */
    private static final int ROUNDS = 5;

    /** One measured slice: its sorted latencies (ns). */
    private record Phase(long[] sortedNanos, long errors, double seconds) {
        static Stats merge(List<Phase> phases) {
            long[] all = phases.stream().flatMapToLong(p -> Arrays.stream(p.sortedNanos())).sorted().toArray();
            long errors = phases.stream().mapToLong(Phase::errors).sum();
            double seconds = phases.stream().mapToDouble(Phase::seconds).sum();
            return new Stats(all.length, errors, seconds, all.length / seconds, percentileMs(all, 0.50), percentileMs(all, 0.99));
        }
    }

    /** The completion request every client sends. */
    static String requestBody(int tokens) {
        return "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":" + tokens + ",\"stream\":true}";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The mock upstream.

    /** An OpenAI-compatible streaming completions server that answers at once with {@code tokens} chunks. */
    static final class MockUpstream implements AutoCloseable {
        private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        private final HttpServer server;
        private final Buffer[] chunks;
        private final Buffer done = Buffer.buffer("data: [DONE]\n\n");

        MockUpstream(int tokens) {
            chunks = new Buffer[tokens];
            for (int i = 0; i < tokens; i++) {
                chunks[i] = Buffer.buffer("data: {\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"created\":1,\"model\":\"" + MODEL
                        + "\",\"choices\":[{\"index\":0,\"text\":\" tok" + i + "\",\"logprobs\":null,\"finish_reason\":"
                        + (i == tokens - 1 ? "\"length\"" : "null") + "}]}\n\n");
            }
            server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle).listen().await();
        }

        private void handle(HttpServerRequest req) {
            if (req.method() == HttpMethod.GET && req.path().equals("/v1/models")) {
                req.response().putHeader("Content-Type", "application/json")
                        .end("{\"object\":\"list\",\"data\":[{\"id\":\"" + MODEL + "\",\"object\":\"model\",\"created\":1,\"owned_by\":\"bench\"}]}");
                return;
            }
            if (req.method() == HttpMethod.GET && req.path().equals("/health")) {
                req.response().end();
                return;
            }
            if (!req.path().equals("/v1/completions")) {
                req.response().setStatusCode(404).end();
                return;
            }
            req.body().onSuccess(b -> {
                var resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
                for (Buffer c : chunks) {
                    resp.write(c);
                }
                resp.end(done);
            });
        }

        int port() {
            return server.actualPort();
        }

        @Override
        public void close() {
            vertx.close().await();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The gateway in front of the mock, as in lite mode.

    private static final class BenchGateway implements AutoCloseable {
        private final Gateway gateway;

        BenchGateway(int upstreamPort) {
            InstanceMetadata mock = new InstanceMetadata("mock-0", "127.0.0.1", upstreamPort, 0, InferType.NEUTRAL, "", "", MODEL, 0,
                    System.currentTimeMillis(), "");
            Scheduler scheduler = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), Clock.system());
            scheduler.updateSnapshot(ClusterSnapshot.of(List.of(InstanceView.lite(mock)), System.currentTimeMillis()));
            gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.OPENAI), scheduler,
                    BackendDirectory.of(List.of(mock)), ModelCatalog.estimating(), ApiKeys.open(), Clock.system());
        }

        int port() {
            return gateway.port();
        }

        @Override
        public void close() {
            gateway.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // nginx.

    static Optional<Path> findOrInstallNginx(PrintStream out) {
        Optional<Path> found = locateNginx();
        if (found.isPresent()) {
            return found;
        }
        out.println("nginx not found; running apt-get install -y nginx");
        try {
            Process p = new ProcessBuilder("apt-get", "install", "-y", "nginx").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return locateNginx();
    }

    private static Optional<Path> locateNginx() {
        if (Files.isExecutable(Path.of(NGINX))) {
            return Optional.of(Path.of(NGINX));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator)).map(d -> Path.of(d, "nginx")).filter(Files::isExecutable).findFirst();
    }

    /** nginx as a child process: a generated config in a temp dir, private pid file, streaming proxy to the mock. */
    static final class NginxProxy implements AutoCloseable {
        private final Path dir;
        private final Process process;
        private final int port;

        NginxProxy(Path nginx, int upstreamPort) {
            try {
                dir = Files.createTempDirectory("llumnix-bench-nginx");
                port = freePort();
                boolean root = "root".equals(System.getProperty("user.name"));
                String conf = """
                        %s
                        daemon off;
                        worker_processes auto;
                        pid %s/nginx.pid;
                        error_log %s/error.log warn;
                        events { worker_connections 4096; }
                        http {
                            access_log off;
                            client_body_temp_path %s/client_body;
                            proxy_temp_path %s/proxy;
                            fastcgi_temp_path %s/fastcgi;
                            uwsgi_temp_path %s/uwsgi;
                            scgi_temp_path %s/scgi;
                            upstream mock {
                                server 127.0.0.1:%d;
                                keepalive 256;
                            }
                            server {
                                listen 127.0.0.1:%d;
                                location / {
                                    proxy_pass http://mock;
                                    proxy_buffering off;
                                    proxy_http_version 1.1;
                                    proxy_set_header Connection "";
                                }
                            }
                        }
                        """.formatted(root ? "user root;" : "", dir, dir, dir, dir, dir, dir, dir, upstreamPort, port);
                Files.writeString(dir.resolve("nginx.conf"), conf);
                process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c",
                        dir.resolve("nginx.conf").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start nginx: " + e.getMessage(), e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!canConnect(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String log = readQuietly(dir.resolve("error.log")) + readQuietly(dir.resolve("stdout.log"));
                    close();
                    throw new IllegalStateException("nginx did not start listening on 127.0.0.1:" + port + ": " + log);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting nginx", e);
                }
            }
        }

        int port() {
            return port;
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM: fast shutdown of the master and its workers
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }

        private static String readQuietly(Path p) {
            try {
                return Files.readString(p);
            } catch (IOException e) {
                return "";
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The load generator.

    /**
     * A closed loop of {@code concurrency} streaming clients (Vert.x HttpClient, keep-alive): each sends a streaming
     * completion request, reads the whole SSE answer (which must end with {@code data: [DONE]}), records the
     * end-to-end latency, and sends the next one.
     */
    static final class LoadGenerator implements AutoCloseable {
        private final Options options;
        // One event loop, and every request made from it: the client's connections and callbacks then share one
        // thread, so a response cannot end before its handlers are set.
        private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        private final io.vertx.core.Context context = vertx.getOrCreateContext();
        private final HttpClient client;
        private final Buffer body;

        LoadGenerator(Options options) {
            this.options = options;
            this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                    new PoolOptions().setHttp1MaxSize(options.concurrency()));
            this.body = Buffer.buffer(requestBody(options.tokens()));
        }

        @Override
        public void close() {
            vertx.close().await();
        }

        Phase phase(int port, Duration duration, long maxRequests) {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI("/v1/completions")
                    .putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream");
            long start = System.nanoTime();
            long deadline = start + duration.toNanos();
            int n = options.concurrency();
            Samples samples = new Samples();
            AtomicLong started = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            CountDownLatch stopped = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                Stream1 stream = new Stream1(ro, deadline, maxRequests, started, samples, errors, stopped);
                context.runOnContext(v -> stream.next());
            }
            try {
                if (!stopped.await(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("load generator streams did not finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] lat = samples.sorted();
            return new Phase(lat, errors.get(), seconds);
        }

        /** One client's loop. */
        private final class Stream1 {
            private final RequestOptions ro;
            private final long deadline;
            private final long maxRequests;
            private final AtomicLong started;
            private final Samples samples;
            private final AtomicLong errors;
            private final CountDownLatch stopped;

            Stream1(RequestOptions ro, long deadline, long maxRequests, AtomicLong started, Samples samples, AtomicLong errors,
                    CountDownLatch stopped) {
                this.ro = ro;
                this.deadline = deadline;
                this.maxRequests = maxRequests;
                this.started = started;
                this.samples = samples;
                this.errors = errors;
                this.stopped = stopped;
            }

            void next() {
                if (System.nanoTime() >= deadline || started.incrementAndGet() > maxRequests) {
                    stopped.countDown();
                    return;
                }
                long t0 = System.nanoTime();
                client.request(ro).compose(req -> req.send(body)).onComplete(ar -> {
                    if (ar.failed()) {
                        fail();
                        return;
                    }
                    var resp = ar.result();
                    if (resp.statusCode() != 200) {
                        resp.body().onComplete(x -> fail());
                        return;
                    }
                    Tail tail = new Tail();
                    resp.handler(tail::add);
                    resp.exceptionHandler(e -> fail());
                    resp.endHandler(v -> {
                        if (tail.endsWithDone()) {
                            samples.add(System.nanoTime() - t0);
                            next();
                        } else {
                            fail();
                        }
                    });
                });
            }

            private void fail() {
                errors.incrementAndGet();
                next();
            }
        }
    }

    /** The last bytes of a stream, to check it ended with {@code data: [DONE]}. */
    private static final class Tail {
        private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
        private final byte[] last = new byte[32];
        private int len;

        void add(Buffer b) {
            int n = b.length();
            int take = Math.min(n, last.length);
            int keep = Math.min(len, last.length - take);
            System.arraycopy(last, len - keep, last, 0, keep);
            b.getBytes(n - take, n, last, keep);
            len = keep + take;
        }

        boolean endsWithDone() {
            int end = len;
            while (end > 0 && (last[end - 1] == '\n' || last[end - 1] == '\r')) {
                end--;
            }
            if (end < DONE.length) {
                return false;
            }
            return Arrays.equals(last, end - DONE.length, end, DONE, 0, DONE.length);
        }
    }

    /** Latency samples in nanoseconds, appended from several event loops. */
    private static final class Samples {
        private long[] values = new long[1 << 16];
        private int size;

        synchronized void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        synchronized long[] sorted() {
            long[] copy = Arrays.copyOf(values, size);
            Arrays.sort(copy);
            return copy;
        }
    }

    /** The nearest-rank percentile of sorted nanosecond samples, in milliseconds (NaN when empty). */
    static double percentileMs(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }

    public static void main(String[] args) {
        run(Options.defaults(), System.out);
    }
}
