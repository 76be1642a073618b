package io.llumnix.engine.bench;

import io.llumnix.engine.bench.BenchResult.Measurement;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.kernel.KernelChoice;
import io.llumnix.engine.kernel.Kernels;
import io.llumnix.engine.kernel.WeightMatrix;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.model.TransformerExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures the CPU engine directly on {@link TransformerExecutor} (no step loop, no server): prefill throughput
 * of one long chunk, decode throughput of 1..N sequences decoding together with a fixed context each (the
 * batching gain), and the vector kernels against the scalar ones, both as a bare matmul on the synthetic model's
 * FFN shape and as a whole decode step. Every figure is the median of several timed repetitions after warm-up.
 *
 * <p>The headline ratios in {@link BenchResult#summary()} come from the synthetic model (about 100M parameters by
 * default, see {@link BenchOptions#DEFAULT_SYNTHETIC}): {@code batch32_over_batch1} is decode throughput at batch
 * 32 over batch 1, {@code vector_over_scalar} is single-stream decode throughput with vector kernels over scalar
 * ones. With defaults it takes about a minute or two on two cores.
 *
 * <p>Usage: {@code EngineBenchmark.run(BenchOptions.defaults().withStories(bin, tok))}; the table is printed to
 * {@link BenchOptions#out()} and the result can be serialised with {@link BenchResult#toMap()}. Not thread-safe
 * in the sense that two concurrent runs would measure each other.
 */
public final class EngineBenchmark {

    private static final int BLOCK_SIZE = 16;

    private EngineBenchmark() {}

    /** Runs every measurement the options ask for, prints progress and the final table, and returns the figures. */
    public static BenchResult run(BenchOptions options) {
        long start = System.nanoTime();
        List<Measurement> rows = new ArrayList<>();
        Map<String, Double> summary = new LinkedHashMap<>();
        if (options.storiesCheckpoint().isPresent()) {
            LoadedModel stories = ModelLoader.load(options.storiesCheckpoint().get().toString(), options.storiesTokenizer());
            new ModelRun(options, stories.defaultServedName(), stories, rows).run(false);
        }
        options.out().println("loading " + options.syntheticSpec() + " ...");
        long loadStart = System.nanoTime();
        LoadedModel synthetic = ModelLoader.load(options.syntheticSpec(), Optional.empty());
        options.out().printf(Locale.ROOT, "  %s loaded in %.1f s%n", synthetic.description(), (System.nanoTime() - loadStart) / 1e9);
        ModelRun run = new ModelRun(options, "synthetic-" + millions(synthetic.shape()) + "M", synthetic, rows);
        run.run(options.compareScalar());
        Map<Integer, Double> decode = run.decodeTokensPerSecond;
        if (decode.containsKey(1) && decode.containsKey(32)) {
            summary.put("batch32_over_batch1", decode.get(32) / decode.get(1));
        }
        int maxBatch = options.batchSizes().stream().mapToInt(Integer::intValue).max().orElseThrow();
        if (decode.containsKey(1) && maxBatch != 1) {
            summary.put("batch" + maxBatch + "_over_batch1", decode.get(maxBatch) / decode.get(1));
        }
        if (run.scalarDecodeBatch1 > 0) {
            summary.put("vector_over_scalar", decode.get(1) / run.scalarDecodeBatch1);
        }
        summary.putAll(run.matmulRatios);
        summary.put("prefill_tokens_per_s", run.prefillTokensPerSecond);
        if (decode.containsKey(1)) {
            summary.put("decode_tokens_per_s", decode.get(1));
        }
        BenchResult result = new BenchResult(rows, summary, (System.nanoTime() - start) / 1_000_000);
        options.out().println();
        options.out().print(result.table());
        return result;
    }

    /** Command-line use: {@code EngineBenchmark [stories-dir]} (the directory holding stories260K.bin and tok512.bin). */
    public static void main(String[] args) {
        BenchOptions options = BenchOptions.defaults();
        if (args.length > 0) {
            Path dir = Path.of(args[0]);
            options = options.withStories(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"));
        }
        run(options);
    }

    /** Parameter count in millions, e.g. {@code 110} or {@code 0.3}. */
    private static String millions(ModelShape shape) {
        double m = shape.parameterCount() / 1e6;
        return m >= 10 ? String.valueOf(Math.round(m)) : String.format(Locale.ROOT, "%.1f", m);
    }

    /** The measurements of one model. */
    private static final class ModelRun {
        private final BenchOptions o;
        private final String name;
        private final LoadedModel model;
        private final List<Measurement> rows;
        private final ModelShape shape;
        private final int context;
        private final int prefill;
        private final int blocksPerSeq;
        private final int prefillBlocks;
        private final int maxBatch;
        final Map<Integer, Double> decodeTokensPerSecond = new LinkedHashMap<>();
        final Map<String, Double> matmulRatios = new LinkedHashMap<>();
        double prefillTokensPerSecond;
        double scalarDecodeBatch1;

        ModelRun(BenchOptions options, String name, LoadedModel model, List<Measurement> rows) {
            this.o = options;
            this.name = name;
            this.model = model;
            this.rows = rows;
            this.shape = model.shape();
            this.context = Math.max(1, Math.min(options.context(), shape.maxSeqLen() - options.decodeSteps() - 1));
            this.prefill = Math.max(1, Math.min(options.prefillTokens(), shape.maxSeqLen() / 2));
            this.blocksPerSeq = ceilDiv(context + options.decodeSteps() + 1, BLOCK_SIZE);
            this.prefillBlocks = ceilDiv(prefill, BLOCK_SIZE);
            this.maxBatch = options.batchSizes().stream().mapToInt(Integer::intValue).max().orElseThrow();
        }

        void run(boolean compareScalar) {
            int[][] tables;
            try (TransformerExecutor vec = model.newExecutor(prefillBlocks + maxBatch * blocksPerSeq, BLOCK_SIZE, KernelChoice.AUTO)) {
                String kernels = vec.kernelName();
                measurePrefill(vec, kernels);
                tables = fillContexts(vec, maxBatch);
                for (int b : o.batchSizes()) {
                    double stepNanos = medianDecodeStep(vec, tables, b);
                    double tps = b / (stepNanos / 1e9);
                    decodeTokensPerSecond.put(b, tps);
                    add(kernels, "decode_batch" + b, tps, "tokens/s",
                            String.format(Locale.ROOT, "%d seqs x ctx %d, median step %.2f ms", b, context, stepNanos / 1e6));
                }
                if (compareScalar) {
                    try (TransformerExecutor scalar = model.newExecutor(prefillBlocks + blocksPerSeq, BLOCK_SIZE, KernelChoice.SCALAR)) {
                        copyBlocks(vec.kvStorage().orElseThrow(), scalar.kvStorage().orElseThrow(), tables[0], tables[0]);
                        double stepNanos = medianDecodeStep(scalar, tables, 1);
                        scalarDecodeBatch1 = 1e9 / stepNanos;
                        add(scalar.kernelName(), "decode_batch1", scalarDecodeBatch1, "tokens/s",
                                String.format(Locale.ROOT, "1 seq x ctx %d, median step %.2f ms", context, stepNanos / 1e6));
                    }
                    if (Kernels.vectorApiAvailable()) {
                        matmulComparison();
                    }
                }
            }
        }

        private void measurePrefill(TransformerExecutor ex, String kernels) {
            int[] tokens = randomTokens(new SplittableRandom(1), prefill);
            int[] table = range(0, prefillBlocks);
            StepBatch batch = new StepBatch(List.of(new SequenceChunk(0, tokens, 0, table, true)));
            double nanos = median(o.warmup(), o.repetitions(), () -> ex.execute(batch).elapsedNanos());
            prefillTokensPerSecond = prefill / (nanos / 1e9);
            add(kernels, "prefill", prefillTokensPerSecond, "tokens/s",
                    String.format(Locale.ROOT, "one %d-token chunk, median %.1f ms", prefill, nanos / 1e6));
        }

        /** Prefills sequence 0's context once and copies its KV blocks to every other sequence's blocks. */
        private int[][] fillContexts(TransformerExecutor ex, int sequences) {
            int[][] tables = new int[sequences][];
            for (int s = 0; s < sequences; s++) {
                tables[s] = range(prefillBlocks + s * blocksPerSeq, blocksPerSeq);
            }
            int[] tokens = randomTokens(new SplittableRandom(2), context);
            ex.execute(new StepBatch(List.of(new SequenceChunk(0, tokens, 0, tables[0], false))));
            KvCacheStorage kv = ex.kvStorage().orElseThrow();
            for (int s = 1; s < sequences; s++) {
                copyBlocks(kv, kv, tables[0], tables[s]);
            }
            return tables;
        }

        /** Median time of one decode step of {@code batch} sequences, each at positions context, context+1, …. */
        private double medianDecodeStep(TransformerExecutor ex, int[][] tables, int batch) {
            List<Long> times = new ArrayList<>();
            for (int r = 0; r < o.warmup() + o.repetitions(); r++) {
                for (int i = 0; i < o.decodeSteps(); i++) {
                    List<SequenceChunk> chunks = new ArrayList<>(batch);
                    for (int s = 0; s < batch; s++) {
                        int token = 3 + (s * 31 + i * 7) % (shape.vocabSize() - 3);
                        chunks.add(new SequenceChunk(s, new int[] {token}, context + i, tables[s], true));
                    }
                    long nanos = ex.execute(new StepBatch(chunks)).elapsedNanos();
                    if (r >= o.warmup()) {
                        times.add(nanos);
                    }
                }
            }
            return median(times);
        }

        /** The FFN up-projection (w1 and w3 fused: 2·hidden × dim) with both kernels, at 1 and at the largest batch. */
        private void matmulComparison() {
            int rows = 2 * shape.hiddenDim();
            int cols = shape.dim();
            SplittableRandom rng = new SplittableRandom(3);
            float[] w = new float[rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rng.nextDouble() - 0.5);
            }
            Kernels vector = Kernels.create(KernelChoice.VECTOR);
            Kernels scalar = Kernels.create(KernelChoice.SCALAR);
            WeightMatrix wv = vector.pack(w, rows, cols);
            WeightMatrix ws = scalar.pack(w, rows, cols);
            for (int tokens : new int[] {1, maxBatch}) {
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (rng.nextDouble() - 0.5);
                }
                float[] y = new float[tokens * rows];
                double flops = 2.0 * tokens * rows * cols;
                double vNanos = median(o.warmup() + 2, o.repetitions() * 3, () -> timed(() -> vector.matmul(x, tokens, wv, y)));
                double sNanos = median(o.warmup(), o.repetitions(), () -> timed(() -> scalar.matmul(x, tokens, ws, y)));
                String detail = String.format(Locale.ROOT, "%dx%d weights, %d token(s)", rows, cols, tokens);
                add(vector.name(), "matmul_T" + tokens, flops / vNanos, "GFLOP/s", detail);
                add(scalar.name(), "matmul_T" + tokens, flops / sNanos, "GFLOP/s", detail);
                matmulRatios.put("matmul_T" + tokens + "_vector_over_scalar", sNanos / vNanos);
            }
        }

        private void add(String kernels, String metric, double value, String unit, String detail) {
            Measurement m = new Measurement(name, kernels, metric, value, unit, detail);
            rows.add(m);
            o.out().printf(Locale.ROOT, "  %-16s %-10s %-16s %10.1f %-9s %s%n", name, kernels, metric, value, unit, detail);
        }
    }

    private static void copyBlocks(KvCacheStorage from, KvCacheStorage to, int[] src, int[] dst) {
        float[] buf = new float[src.length * from.blockFloats()];
        for (int l = 0; l < from.numLayers(); l++) {
            from.readBlocks(l, src, buf);
            to.writeBlocks(l, dst, buf);
        }
    }

    private interface Timed {
        long nanos();
    }

    private static long timed(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return System.nanoTime() - start;
    }

    private static double median(int warmup, int reps, Timed t) {
        for (int i = 0; i < warmup; i++) {
            t.nanos();
        }
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            times.add(t.nanos());
        }
        return median(times);
    }

    private static double median(List<Long> times) {
        long[] a = times.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
    }

    private static int[] randomTokens(SplittableRandom rng, int n) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + rng.nextInt(256);
        }
        return t;
    }

    private static int[] range(int first, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = first + i;
        }
        return r;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
