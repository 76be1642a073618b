package io.llumnix.engine.bench;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@link EngineBenchmark#run} measures and how long.
 *
 * @param storiesCheckpoint the stories260K checkpoint (benchmarked too when present, together with its tokenizer)
 * @param storiesTokenizer its {@code tok512.bin}
 * @param syntheticSpec the synthetic model whose figures feed the summary ratios
 * @param warmup untimed repetitions before each measurement (JIT warm-up)
 * @param repetitions timed repetitions; figures are medians
 * @param prefillTokens tokens of the prefill chunk (capped at half the model's context)
 * @param context tokens of context each sequence has when decoding
 * @param decodeSteps decode steps per repetition
 * @param batchSizes batch sizes of the batched-decode measurement (the summary wants 1 and 32)
 * @param compareScalar also time the scalar kernels (the vector-over-scalar ratio)
 * @param out where progress lines and the final table go
 */
public record BenchOptions(
        Optional<Path> storiesCheckpoint,
        Optional<Path> storiesTokenizer,
        String syntheticSpec,
        int warmup,
        int repetitions,
        int prefillTokens,
        int context,
        int decodeSteps,
        List<Integer> batchSizes,
        boolean compareScalar,
        PrintStream out) {

    /** About 100M parameters: dim 768, 12 layers, 12 heads, FFN 2048, 32000-token vocabulary. */
    public static final String DEFAULT_SYNTHETIC = "synthetic:dim=768,layers=12,heads=12,kvheads=12,hidden=2048,vocab=32000,seq=2048,seed=1";

    public BenchOptions {
        requireNonNull(storiesCheckpoint, "storiesCheckpoint is null");
        requireNonNull(storiesTokenizer, "storiesTokenizer is null");
        requireNonNull(syntheticSpec, "syntheticSpec is null");
        requireNonNull(out, "out is null");
        batchSizes = List.copyOf(batchSizes);
        if (storiesCheckpoint.isPresent() != storiesTokenizer.isPresent()) {
            throw new IllegalArgumentException("stories260K needs both its checkpoint and its tokenizer");
        }
        check(warmup >= 0, "warmup must be >= 0, got " + warmup);
        check(repetitions > 0, "repetitions must be positive, got " + repetitions);
        check(prefillTokens > 0, "prefillTokens must be positive, got " + prefillTokens);
        check(context > 0, "context must be positive, got " + context);
        check(decodeSteps > 0, "decodeSteps must be positive, got " + decodeSteps);
        check(!batchSizes.isEmpty() && batchSizes.stream().allMatch(b -> b > 0), "batchSizes must be positive, got " + batchSizes);
    }

    /** The defaults: synthetic ~100M model, 1 warm-up + 5 timed repetitions, prefill 512, context 128, batches 1/8/32. */
    public static BenchOptions defaults() {
        return new BenchOptions(Optional.empty(), Optional.empty(), DEFAULT_SYNTHETIC, 1, 5, 512, 128, 4, List.of(1, 8, 32), true, System.out);
    }

    /** Also benchmarks stories260K from the given files. */
    public BenchOptions withStories(Path checkpoint, Path tokenizer) {
        return new BenchOptions(Optional.of(checkpoint), Optional.of(tokenizer), syntheticSpec, warmup, repetitions, prefillTokens, context,
                decodeSteps, batchSizes, compareScalar, out);
    }

    public BenchOptions withSyntheticSpec(String spec) {
        return new BenchOptions(storiesCheckpoint, storiesTokenizer, spec, warmup, repetitions, prefillTokens, context, decodeSteps, batchSizes,
                compareScalar, out);
    }

    public BenchOptions withRepetitions(int warmupReps, int timedReps) {
        return new BenchOptions(storiesCheckpoint, storiesTokenizer, syntheticSpec, warmupReps, timedReps, prefillTokens, context, decodeSteps,
                batchSizes, compareScalar, out);
    }

    public BenchOptions withOut(PrintStream stream) {
        return new BenchOptions(storiesCheckpoint, storiesTokenizer, syntheticSpec, warmup, repetitions, prefillTokens, context, decodeSteps,
                batchSizes, compareScalar, stream);
    }

    public BenchOptions withShape(int prefill, int ctx, int steps, List<Integer> batches) {
        return new BenchOptions(storiesCheckpoint, storiesTokenizer, syntheticSpec, warmup, repetitions, prefill, ctx, steps, batches,
                compareScalar, out);
    }

    public BenchOptions withCompareScalar(boolean compare) {
        return new BenchOptions(storiesCheckpoint, storiesTokenizer, syntheticSpec, warmup, repetitions, prefillTokens, context, decodeSteps,
                batchSizes, compare, out);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
