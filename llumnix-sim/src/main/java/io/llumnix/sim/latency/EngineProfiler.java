package io.llumnix.sim.latency;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.model.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measures what a real executor's steps cost — prefill over prompt lengths, decode over batch sizes and context sums —
 * and fits a {@link LatencyProfile} to it with {@link LatencyFitter}: the calibration behind {@code llumnix profile}
 * and the simulator's validation against real engines.
 *
 * <p>Steps are timed on the wall clock around {@link ModelExecutor#execute}, so a paced executor's sleep overshoot is
 * part of the measurement. Each step writes K/V only into blocks the profiler owns (every sequence gets disjoint
 * blocks); attention over not-yet-written context reads whatever the cache holds, which costs the same as real
 * context. The executor must have at least {@code maxNumSeqs · ⌈maxSeqLen / blockSize⌉} blocks (or the profiler
 * shrinks the largest batches to what fits).
 *
 * <pre>{@code
 * EngineProfiler.Result r = EngineProfiler.profile(executor, config, EngineProfiler.Settings.defaults(), "stories260K", "…");
 * r.profile().write(Path.of("stories260K-cpu.json"));
 * }</pre>
 *
 * <p>Not thread-safe: it drives the executor from the calling thread, which must own it.
 */
public final class EngineProfiler {

    /**
     * What to measure.
     *
     * @param prefillLengths prompt lengths timed as one prefill step each (clamped to the context window)
     * @param batchSizes decode batch sizes (clamped to the engine's and the cache's limits)
     * @param contextFractions per-sequence context as fractions of the context window, crossed with every batch size
     *     so that batch and context vary independently
     * @param warmup untimed steps before measuring (JIT warm-up)
     * @param repetitions timed repetitions of every point; the fit sees each point's median
     * @param seed token ids of the synthetic prompts
     */
    public record Settings(List<Integer> prefillLengths, List<Integer> batchSizes, List<Double> contextFractions, int warmup,
            int repetitions, long seed) {

        public Settings {
            prefillLengths = List.copyOf(prefillLengths);
            batchSizes = List.copyOf(batchSizes);
            contextFractions = List.copyOf(contextFractions);
            if (prefillLengths.isEmpty() || batchSizes.isEmpty() || contextFractions.size() < 2) {
                throw new IllegalArgumentException("need prefill lengths, batch sizes and at least two context fractions");
            }
            if (warmup < 0 || repetitions < 1) {
                throw new IllegalArgumentException("warmup must be >= 0 and repetitions >= 1, got " + warmup + ", " + repetitions);
            }
            for (double f : contextFractions) {
                if (!(f > 0 && f <= 1)) {
                    throw new IllegalArgumentException("context fractions must be in (0, 1], got " + f);
                }
            }
        }

        /** Prompts 1 → 512 tokens, batches 1 → 32, contexts at 10%, 50% and 95% of the window, 5 repetitions. */
        public static Settings defaults() {
            return new Settings(List.of(1, 8, 16, 32, 64, 128, 256, 384, 512), List.of(1, 2, 4, 8, 16, 32), List.of(0.1, 0.5, 0.95), 10, 5,
                    1);
        }

        /** Fewer points and three repetitions: for tests and quick runs. */
        public static Settings quick() {
            return new Settings(List.of(1, 32, 128, 512), List.of(1, 4, 16), List.of(0.1, 0.9), 3, 3, 1);
        }
    }

    /** The measurements, their fit, and the profile made of it. */
    public record Result(List<PrefillSample> prefill, List<DecodeSample> decode, LatencyFitter.Fit fit, LatencyProfile profile) {

        public Result {
            prefill = List.copyOf(prefill);
            decode = List.copyOf(decode);
            requireNonNull(fit, "fit is null");
            requireNonNull(profile, "profile is null");
        }

        /**
         * Combines two profilings of the same points, one taken before and one after a measured run, by averaging
         * each point's time, then refits: on a shared machine the load of other processes drifts, and the run in
         * between saw, on average, what the two saw.
         *
         * @throws IllegalArgumentException if the two did not measure the same points
         */
        public Result bracketing(Result other) {
            if (other.prefill.size() != prefill.size() || other.decode.size() != decode.size()) {
                throw new IllegalArgumentException("profilings of different points cannot be combined");
            }
            List<PrefillSample> p = new ArrayList<>(prefill.size());
            for (int i = 0; i < prefill.size(); i++) {
                PrefillSample a = prefill.get(i);
                PrefillSample b = other.prefill.get(i);
                if (a.tokens() != b.tokens()) {
                    throw new IllegalArgumentException("prefill points differ: " + a.tokens() + " vs " + b.tokens() + " tokens");
                }
                p.add(new PrefillSample(a.tokens(), (a.ms() + b.ms()) / 2));
            }
            List<DecodeSample> d = new ArrayList<>(decode.size());
            for (int i = 0; i < decode.size(); i++) {
                DecodeSample a = decode.get(i);
                DecodeSample b = other.decode.get(i);
                if (a.batchSize() != b.batchSize() || a.contextTokens() != b.contextTokens()) {
                    throw new IllegalArgumentException("decode points differ: " + a + " vs " + b);
                }
                d.add(new DecodeSample(a.batchSize(), a.contextTokens(), (a.ms() + b.ms()) / 2));
            }
            LatencyFitter.Fit f = LatencyFitter.fit(p, d);
            return new Result(p, d, f, f.toProfile(profile, profile.name(), profile.description()));
        }
    }

    /** Bytes per KV element of the CPU engine's cache (float32). */
    private static final int KV_BYTES_PER_FLOAT = 4;

    /** Migration bandwidth of a profile of local engines (loopback gRPC moves about this much). */
    private static final double LOCAL_MIGRATION_BYTES_PER_SECOND = 1e9;

    private final ModelExecutor executor;
    private final EngineConfig config;
    private final Settings settings;
    private final SplittableRandom rng;
    private final int maxLen;
    private final int blocksPerSeq;
    private final int maxSeqs;

    private EngineProfiler(ModelExecutor executor, EngineConfig config, Settings settings) {
        this.executor = requireNonNull(executor, "executor is null");
        this.config = requireNonNull(config, "config is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.rng = new SplittableRandom(settings.seed());
        this.maxLen = Math.min(config.maxModelLen(), executor.shape().maxSeqLen());
        this.blocksPerSeq = ceilDiv(maxLen, config.blockSize());
        this.maxSeqs = Math.max(1, Math.min(config.maxNumSeqs(), config.numKvBlocks() / blocksPerSeq));
    }

    /**
     * Measures {@code executor} (configured like {@code config}: same block size and at least its KV blocks), fits,
     * and returns a profile named {@code name} with {@code config}'s geometry and limits.
     */
    public static Result profile(ModelExecutor executor, EngineConfig config, Settings settings, String name, String description) {
        return new EngineProfiler(executor, config, settings).run(name, description);
    }

    /**
     * Profiles a fresh executor of {@code model} with {@code config}'s KV cache, paced to at least
     * {@code minStepNanos} per step like an engine started with {@code --min-step-ms} (0: unpaced); the executor is
     * closed afterwards.
     */
    public static Result profile(LoadedModel model, EngineConfig config, long minStepNanos, Settings settings, String name,
            String description) {
        ModelExecutor raw = model.newExecutor(config.numKvBlocks(), config.blockSize());
        try (ModelExecutor executor = minStepNanos > 0 ? new PacedExecutor(raw, minStepNanos) : raw) {
            return profile(executor, config, settings, name, description);
        }
    }

    private Result run(String name, String description) {
        for (int i = 0; i < settings.warmup(); i++) {
            time(prefillBatch(Math.min(64, maxLen)));
            time(decodeBatch(Math.min(4, maxSeqs), maxLen / 2));
        }
        // Repetitions are interleaved (a burst of load hits every point a little, not one point a lot) and each point is
        // fitted at its median: one descheduled step on a busy machine must not tilt the line.
        List<Integer> lengths = settings.prefillLengths().stream().map(len -> Math.max(1, Math.min(len, maxLen))).distinct().toList();
        double[][] prefillMs = new double[lengths.size()][settings.repetitions()];
        List<Integer> batches = settings.batchSizes().stream().map(b -> Math.max(1, Math.min(b, maxSeqs))).distinct().toList();
        List<Integer> contexts = settings.contextFractions().stream()
                .map(f -> Math.max(2, Math.min(maxLen, (int) Math.round(f * maxLen)))).distinct().toList();
        double[][][] decodeMs = new double[batches.size()][contexts.size()][settings.repetitions()];
        for (int rep = 0; rep < settings.repetitions(); rep++) {
            for (int i = 0; i < lengths.size(); i++) {
                prefillMs[i][rep] = time(prefillBatch(lengths.get(i)));
            }
            for (int b = 0; b < batches.size(); b++) {
                for (int c = 0; c < contexts.size(); c++) {
                    decodeMs[b][c][rep] = time(decodeBatch(batches.get(b), contexts.get(c)));
                }
            }
        }
        List<PrefillSample> prefill = new ArrayList<>();
        for (int i = 0; i < lengths.size(); i++) {
            prefill.add(new PrefillSample(lengths.get(i), median(prefillMs[i])));
        }
        List<DecodeSample> decode = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            for (int c = 0; c < contexts.size(); c++) {
                decode.add(new DecodeSample(batches.get(b), (long) batches.get(b) * contexts.get(c), median(decodeMs[b][c])));
            }
        }
        LatencyFitter.Fit fit = LatencyFitter.fit(prefill, decode);
        return new Result(prefill, decode, fit, fit.toProfile(template(name, description), name, description));
    }

    /** The profile's geometry: this engine's blocks, limits and KV bytes per block. */
    private LatencyProfile template(String name, String description) {
        ModelShape s = executor.shape();
        long blockBytes = (long) config.blockSize() * s.numLayers() * s.kvFloatsPerTokenPerLayer() * KV_BYTES_PER_FLOAT;
        return new LatencyProfile(name, description, 0, 0, 0, 0, 0, config.blockSize(), blockBytes, config.numKvBlocks(),
                config.maxNumBatchedTokens(), config.maxNumSeqs(), maxLen, LOCAL_MIGRATION_BYTES_PER_SECOND);
    }

    private StepBatch prefillBatch(int tokens) {
        return new StepBatch(List.of(new SequenceChunk(0, randomTokens(tokens), 0, blocks(0), true)));
    }

    /** {@code batch} sequences each decoding one token at position {@code context - 1} (so each attends {@code context}). */
    private StepBatch decodeBatch(int batch, int context) {
        List<SequenceChunk> chunks = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            chunks.add(new SequenceChunk(i, randomTokens(1), context - 1, blocks(i), true));
        }
        return new StepBatch(chunks);
    }

    private int[] blocks(int seq) {
        int[] table = new int[blocksPerSeq];
        Arrays.setAll(table, b -> seq * blocksPerSeq + b);
        return table;
    }

    private int[] randomTokens(int n) {
        int vocab = executor.shape().vocabSize();
        int[] t = new int[n];
        Arrays.setAll(t, i -> rng.nextInt(vocab));
        return t;
    }

    private double time(StepBatch batch) {
        long t0 = System.nanoTime();
        executor.execute(batch);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
