package io.llumnix.llumlet.bench;

import io.llumnix.core.Clock;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.llumlet.Llumlet;
import io.llumnix.llumlet.LlumletConfig;
import io.llumnix.llumlet.MigrationOutcome;
import io.llumnix.llumlet.bench.BackgroundLoad.Window;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code llumnix bench migration}: live migration against its two alternatives, with the source and the
 * destination in separate processes over loopback gRPC (the paper's Fig. 10).
 *
 * <p>This process hosts the source engine and two llumlets on it (one migrating live with the default staged
 * protocol, one with {@code maxStages = 0}: a blocking copy of every block while the request is paused); the
 * destination is a {@link MigrationPeer} child JVM. For each prompt length and repetition a request with that
 * prompt decodes on the source next to {@code others} decoding requests, and after
 * {@code decodeBeforeMigration} tokens it is migrated three ways — live, blocking copy, recompute (the
 * destination re-prefills prompt and output) — while a client follows it to the destination as a gateway would.
 * Every migrated output is compared with an unmigrated run of the same request.
 *
 * <p>Measured: downtime ({@link MigrationOutcome#downtimeNanos()}: detach on the source → install on the destination,
 * both on this host's monotonic clock; the commit's acknowledgement back at the source is reported beside it), total
 * migration time, blocking-copy downtime, recompute time (detach → first destination token at the client,
 * computed as the recompute migration's downtime plus the time from the {@code Migrated} event to that token,
 * which slightly <em>under</em>states it), the other requests' step time while live migrations copy KV (start to
 * detach, when the batch is the one they had right before) against the time right before, with the same windows of
 * the unmigrated reference run as a control, and the blocking copy's KV rate next to {@code System.arraycopy} of as
 * many bytes.
 *
 * <p>Usage: {@code MigrationBenchmark.run(MigrationBenchOptions.defaults().withJson(path), System.out)}; or
 * {@code java --add-modules jdk.incubator.vector -cp … io.llumnix.llumlet.bench.MigrationBenchmark
 * [--model SPEC] [--lengths 256,1024] [--repetitions N] [--json FILE]}. Runs are sequential; not thread-safe
 * in the sense that two concurrent runs would measure each other.
 */
public final class MigrationBenchmark {

    /** How the request moves. */
    enum Mode {
        LIVE,
        BLOCKING,
        RECOMPUTE
    }

    /** One measured migration. */
    private record Run(Mode mode, MigrationOutcome outcome, long resumeNanos, boolean identical, Window baseline, Window during,
            Window duringWhole, Window controlBaseline, Window controlDuring) {}

    /** The request run to completion on the source alone: its tokens, and when each arrived. */
    private record Reference(int[] tokens, FollowedRequest run) {}

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final int OTHER_PROMPT = 16;
    private static final int OTHER_MAX_TOKENS = 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MigrationBenchOptions options;
    private final PrintStream out;
    private final LlmEngine source;
    private final Map<Mode, Llumlet> llumlets;
    private final PeerProcess peer;
    private final int vocabSize;
    private int serial;

    private MigrationBenchmark(MigrationBenchOptions options, PrintStream out, LlmEngine source, Map<Mode, Llumlet> llumlets,
            PeerProcess peer) {
        this.options = options;
        this.out = out;
        this.source = source;
        this.llumlets = llumlets;
        this.peer = peer;
        this.vocabSize = source.shape().vocabSize();
    }

    /** Runs the benchmark, prints progress and the table to {@code out}, writes the JSON if asked, and returns the figures. */
    public static MigrationBenchResult run(MigrationBenchOptions options, PrintStream out) {
        long start = System.nanoTime();
        LoadedModel model = ModelLoader.load(options.model(), Optional.empty());
        int seq = model.shape().maxSeqLen();
        int longest = options.lengths().stream().mapToInt(Integer::intValue).max().orElseThrow();
        if (longest + options.maxTokens() > seq) {
            throw new IllegalArgumentException("the longest prompt (" + longest + ") plus maxTokens (" + options.maxTokens()
                    + ") exceeds the model's context of " + seq + " tokens");
        }
        int blockSize = EngineConfig.DEFAULT_BLOCK_SIZE;
        int perRequest = ceilDiv(longest + options.maxTokens(), blockSize);
        // Room for the migrated request, the others, and every prompt kept in the prefix cache (later runs
        // reuse it instead of re-prefilling on the source; the destination has no prefix cache).
        int cached = options.lengths().stream().mapToInt(l -> ceilDiv(l, blockSize)).sum();
        int othersBlocks = options.others() * ceilDiv(OTHER_PROMPT + OTHER_MAX_TOKENS, blockSize);
        int sourceBlocks = Math.max(ceilDiv(seq, blockSize), 2 * perRequest + othersBlocks + cached + 64);
        int peerBlocks = Math.max(ceilDiv(seq, blockSize), 2 * perRequest + 16);
        out.printf(Locale.ROOT, "model %s; source %d KV blocks here, destination %d in a child JVM%n", model.description(), sourceBlocks,
                peerBlocks);
        EngineConfig config = EngineConfig.defaults(seq).withNumKvBlocks(sourceBlocks);
        Map<Mode, Llumlet> llumlets = new EnumMap<>(Mode.class);
        ModelExecutor executor = model.newExecutor(sourceBlocks, blockSize);
        if (!options.minSourceStepTime().isZero()) {
            executor = new PacedExecutor(executor, options.minSourceStepTime().toNanos());
        }
        try (LlmEngine engine = LlmEngine.start("src", config, executor, model.tokenizer(), Clock.system());
                PeerProcess peer = PeerProcess.start(options.model(), peerBlocks, Duration.ofSeconds(60))) {
            try {
                Llumlet live = Llumlet.start(engine, LlumletConfig.local("src", "bench://src").withMigration(options.migration()),
                        Clock.system());
                llumlets.put(Mode.LIVE, live);
                llumlets.put(Mode.RECOMPUTE, live);
                llumlets.put(Mode.BLOCKING, Llumlet.start(engine,
                        LlumletConfig.local("src-blocking", "bench://src").withMigration(options.migration().withMaxStages(0)),
                        Clock.system()));
                out.printf(Locale.ROOT, "destination: pid %d, llumlet %s%n", peer.pid(), peer.address());
                MigrationBenchResult result = new MigrationBenchmark(options, out, engine, llumlets, peer).measure(start);
                out.println();
                out.print(result.table());
                if (options.json().isPresent()) {
                    writeJson(options.json().get(), result);
                    out.println("wrote " + options.json().get());
                }
                return result;
            } finally {
                llumlets.values().stream().distinct().forEach(Llumlet::close);
            }
        }
    }

    private MigrationBenchResult measure(long start) {
        List<MigrationBenchResult.Row> rows = new ArrayList<>();
        int migrations = 0;
        int identical = 0;
        int aborted = 0;
        List<String> abortReasons = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(20240701);
        try (BackgroundLoad others = BackgroundLoad.start(source, options.others(), OTHER_PROMPT,
                Math.min(OTHER_MAX_TOKENS, source.config().maxModelLen() - OTHER_PROMPT), 7)) {
            int shortest = options.lengths().stream().mapToInt(Integer::intValue).min().orElseThrow();
            for (int w = 0; w < options.warmup(); w++) {
                int[] prompt = randomPrompt(random, shortest, vocabSize);
                SamplingParams params = params(random.nextLong());
                Reference expected = reference(prompt, params);
                for (Mode mode : Mode.values()) {
                    migrateOnce(mode, prompt, params, expected, others);
                }
                out.printf(Locale.ROOT, "warm-up round %d done%n", w + 1);
            }
            if (options.warmup() > 0) {
                // Every other length once too (no recompute: its minutes of prefill warm nothing the others use):
                // otherwise the JIT compiles their paths during the measured windows, on the cores the steps use.
                for (int length : options.lengths()) {
                    if (length != shortest) {
                        int[] prompt = randomPrompt(random, length, vocabSize);
                        SamplingParams params = params(random.nextLong());
                        Reference expected = reference(prompt, params);
                        migrateOnce(Mode.LIVE, prompt, params, expected, others);
                        migrateOnce(Mode.BLOCKING, prompt, params, expected, others);
                        out.printf(Locale.ROOT, "warm-up at %d tokens done%n", length);
                    }
                }
            }
            for (int length : options.lengths()) {
                int[] prompt = randomPrompt(random, length, vocabSize);
                SamplingParams params = params(random.nextLong());
                long t0 = System.nanoTime();
                Reference expected = reference(prompt, params);
                out.printf(Locale.ROOT, "length %d: unmigrated reference run took %.1f s%n", length, (System.nanoTime() - t0) / 1e9);
                Map<Mode, List<Run>> runs = new EnumMap<>(Mode.class);
                for (int rep = 0; rep < options.repetitions(); rep++) {
                    for (Mode mode : Mode.values()) {
                        if (mode == Mode.RECOMPUTE && rep >= options.recomputeRepetitions()) {
                            continue;
                        }
                        Run r = migrateOnce(mode, prompt, params, expected, others);
                        if (!r.outcome().committed()) {
                            aborted++;
                            abortReasons.add(mode + ": " + r.outcome().reason());
                            out.printf(Locale.ROOT, "  %s migration did not commit: %s%n", mode, r.outcome());
                            continue;
                        }
                        migrations++;
                        identical += r.identical() ? 1 : 0;
                        runs.computeIfAbsent(mode, m -> new ArrayList<>()).add(r);
                        out.printf(Locale.ROOT, "  rep %d %-9s downtime %8.2f ms  total %8.2f ms  resume %8.2f ms  stages %d  %6.1f MiB  %s%n",
                                rep,
                                mode, r.outcome().downtimeNanos() / 1e6, r.outcome().totalNanos() / 1e6, r.resumeNanos() / 1e6,
                                r.outcome().stages(), r.outcome().bytesMoved() / 1048576.0, r.identical() ? "identical" : "DIFFERENT");
                    }
                }
                for (Mode mode : Mode.values()) {
                    if (runs.getOrDefault(mode, List.of()).isEmpty()) {
                        throw new IllegalStateException("no " + mode + " migration of the " + length + "-token request committed: "
                                + abortReasons);
                    }
                }
                List<Run> live = runs.get(Mode.LIVE);
                List<Run> blocking = runs.get(Mode.BLOCKING);
                Window baseline = live.stream().map(Run::baseline).reduce(Window.EMPTY, Window::plus);
                Window during = live.stream().map(Run::during).reduce(Window.EMPTY, Window::plus);
                Window duringWhole = live.stream().map(Run::duringWhole).reduce(Window.EMPTY, Window::plus);
                Window controlBaseline = live.stream().map(Run::controlBaseline).reduce(Window.EMPTY, Window::plus);
                Window controlDuring = live.stream().map(Run::controlDuring).reduce(Window.EMPTY, Window::plus);
                long kvBytes = (long) median(blocking, r -> r.outcome().bytesMoved());
                rows.add(new MigrationBenchResult.Row(length,
                        median(live, r -> r.outcome().downtimeNanos() / 1e6),
                        median(live, r -> r.outcome().commitAckNanos() / 1e6),
                        median(live, r -> r.outcome().totalNanos() / 1e6),
                        median(live, r -> r.outcome().stages()),
                        median(live, r -> r.resumeNanos() / 1e6),
                        median(blocking, r -> r.outcome().downtimeNanos() / 1e6),
                        median(runs.get(Mode.RECOMPUTE), r -> r.resumeNanos() / 1e6),
                        kvBytes,
                        median(blocking, r -> (double) r.outcome().bytesMoved() / r.outcome().downtimeNanos()),
                        memcpyGbps(kvBytes),
                        baseline.meanNanos() / 1e6,
                        during.meanNanos() / 1e6,
                        duringWhole.meanNanos() / 1e6,
                        controlBaseline.meanNanos() / 1e6,
                        controlDuring.meanNanos() / 1e6,
                        runs.values().stream().flatMap(List::stream).allMatch(Run::identical)));
            }
        }
        // Each length counts once. Pooling every interval instead would set copy windows dominated by the longest
        // context (its copy takes longest, and its steps are the slowest) against baselines mixed evenly over the
        // lengths, and call the difference a slowdown.
        return new MigrationBenchResult(options.model(), rows, mean(rows, MigrationBenchResult.Row::othersSlowdown),
                mean(rows, MigrationBenchResult.Row::othersDrift),
                mean(rows, r -> r.othersDuringWholeMs() / r.othersBaselineMs() - 1), migrations, identical, aborted,
                (System.nanoTime() - start) / 1_000_000);
    }

    private SamplingParams params(long seed) {
        // Seeded sampling, so the request's RNG state has to migrate too for the output to match.
        return new SamplingParams(0.8, 0.95, 40, OptionalLong.of(seed), options.maxTokens(), List.of(), true);
    }

    /** The request run to completion on the source alone. */
    private Reference reference(int[] prompt, SamplingParams params) {
        FollowedRequest f = new FollowedRequest("ref-" + serial++, Optional.empty(), i -> {});
        source.submit(new GenerateRequest(f.requestId(), prompt, params, 0), f);
        String end = await(f.done());
        if (!end.equals("LENGTH")) {
            throw new IllegalStateException("the reference run of " + f.requestId() + " ended " + end);
        }
        return new Reference(f.tokens(), f);
    }

    private Run migrateOnce(Mode mode, int[] prompt, SamplingParams params, Reference reference, BackgroundLoad others) {
        int[] expected = reference.tokens();
        String id = mode.name().toLowerCase(Locale.ROOT) + "-" + prompt.length + "-" + serial++;
        CompletableFuture<MigrationOutcome> outcome = new CompletableFuture<>();
        long[] window = new long[2];
        FollowedRequest f = new FollowedRequest(id, Optional.of(peer), index -> {
            if (index == options.decodeBeforeMigration() - 1) {
                CpuDiag.start(peer.pid());
                window[0] = System.nanoTime();
                llumlets.get(mode).migrate(id, peer.address(), mode == Mode.RECOMPUTE).whenComplete((o, e) -> {
                    window[1] = System.nanoTime();
                    CpuDiag.end(id, window[1] - window[0]);
                    if (e != null) {
                        outcome.completeExceptionally(e);
                    } else {
                        outcome.complete(o);
                    }
                });
            }
        });
        source.submit(new GenerateRequest(id, prompt, params, 0), f);
        String end = await(f.done());
        MigrationOutcome o = await(outcome);
        awaitPeerIdle();
        boolean identical = Arrays.equals(f.tokens(), expected) && end.equals("LENGTH");
        if (!identical) {
            out.printf(Locale.ROOT, "  %s: output differs from the unmigrated run (ended %s, %d tokens, expected %d)%n", id, end,
                    f.tokens().length, expected.length);
        }
        long resume = o.committed() && f.firstRemoteTokenNanos() > 0
                ? o.commitAckNanos() + f.firstRemoteTokenNanos() - f.migratedNanos()
                : 0;
        // From the request's second token: intervals ending at its first token may span its prefill step, which is
        // not the decoding batch the copy window sees (and is long, uncached, in the reference run).
        Window baseline = others.window(f.sourceTokenNanos(1), window[0]);
        // While the copy stages run the batch is the baseline's batch (the migrated request still decodes in it);
        // from the detach on it is not (one request fewer, and a long one: the others' steps get cheaper on their
        // own) and after the commit the destination, which shares this machine's cores, starts decoding the
        // request. So the comparable window ends at the detach; the whole one is reported beside it.
        long detached = o.detachedAfterNanos() > 0 ? window[1] - (o.totalNanos() - o.detachedAfterNanos()) : window[1];
        Window during = others.window(window[0], Math.max(window[0], detached));
        Window duringWhole = others.window(window[0], window[1]);
        // The control: the same two windows in the unmigrated reference run of this request, at the same token
        // and for as long. The others' contexts grow a token per step (and they get replaced when they finish),
        // so their steps drift from one window to the next with no migration at all; reported beside the
        // slowdown (not subtracted: one reference run per length makes it as noisy as the figure itself).
        FollowedRequest ref = reference.run();
        long refStart = ref.sourceTokenNanos(options.decodeBeforeMigration() - 1);
        Window controlBaseline = others.window(ref.sourceTokenNanos(1), refStart);
        Window controlDuring = others.window(refStart, refStart + Math.max(0, detached - window[0]));
        return new Run(mode, o, resume, identical, baseline, during, duringWhole, controlBaseline, controlDuring);
    }

    private void awaitPeerIdle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            PeerProcess.Status s = peer.status(Duration.ofSeconds(10));
            if (s.usedBlocks() == 0 && s.running() == 0 && s.waiting() == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the destination did not drain (or leaked KV blocks): " + s);
            }
            sleepMillis(5);
        }
    }

    /** {@code System.arraycopy} of {@code bytes} worth of floats, GB/s (median of 5 after 2 warm-ups). */
    static double memcpyGbps(long bytes) {
        int n = (int) Math.max(1, bytes / Float.BYTES);
        float[] src = new float[n];
        float[] dst = new float[n];
        Arrays.fill(src, 1.5f);
        long[] times = new long[5];
        for (int i = -2; i < times.length; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(src, 0, dst, 0, n);
            long t = System.nanoTime() - t0;
            if (i >= 0) {
                times[i] = t;
            }
        }
        Arrays.sort(times);
        return (double) n * Float.BYTES / times[times.length / 2];
    }

    static int[] randomPrompt(SplittableRandom random, int length, int vocabSize) {
        int[] p = new int[length];
        p[0] = 1;
        for (int i = 1; i < length; i++) {
            p[i] = 3 + random.nextInt(vocabSize - 3);
        }
        return p;
    }

    private static double mean(List<MigrationBenchResult.Row> rows, ToDoubleFunction<MigrationBenchResult.Row> f) {
        return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("benchmark run failed: " + e, e);
        }
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void writeJson(Path path, MigrationBenchResult result) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(path, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result.toMap()) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Command-line use: {@code [--model SPEC] [--lengths 256,1024,…] [--repetitions N] [--warmup N] [--json FILE]}. */
    public static void main(String[] args) {
        MigrationBenchOptions o = MigrationBenchOptions.defaults();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            o = switch (args[i]) {
                case "--model" -> o.withModel(v);
                case "--lengths" -> o.withLengths(Arrays.stream(v.split(",")).map(String::strip).map(Integer::valueOf).toList());
                case "--repetitions" -> o.withRepetitions(o.warmup(), Integer.parseInt(v));
                case "--recompute-repetitions" -> o.withRecomputeRepetitions(Integer.parseInt(v));
                case "--warmup" -> o.withRepetitions(Integer.parseInt(v), o.repetitions());
                case "--others" -> o.withOthers(Integer.parseInt(v));
                case "--tokens" -> {
                    String[] bt = v.split(",");
                    yield o.withTokens(Integer.parseInt(bt[0].strip()), Integer.parseInt(bt[1].strip()));
                }
                case "--min-source-step-ms" -> o.withMinSourceStepTime(Duration.ofMillis(Long.parseLong(v)));
                case "--json" -> o.withJson(Path.of(v));
                case "--copy-cpu-share" -> o.withMigration(o.migration().withCopyCpuShare(Double.parseDouble(v)));
                case "--shared-memory" -> o.withMigration(o.migration().withSharedMemory(Boolean.parseBoolean(v)));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; valid: --model, --lengths, --repetitions, --recompute-repetitions, --warmup, --others, --tokens, "
                        + "--min-source-step-ms, --copy-cpu-share, --shared-memory, --json");
            };
        }
        MigrationBenchResult r = run(o, System.out);
        System.exit(r.allIdentical() ? 0 : 1);
    }
}
