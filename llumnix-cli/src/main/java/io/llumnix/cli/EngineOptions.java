package io.llumnix.cli;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.exec.ModelShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The engine's batching and caching flags (vLLM's names), turned into an {@link EngineConfig}. Unset flags
 * take {@link EngineConfig#defaults}, sized for the model's context window.
 *
 * <p>Not thread-safe (picocli fills it in).
 */
final class EngineOptions {

    @Option(names = "--block-size", paramLabel = "TOKENS", description = "Tokens per KV block (default 16).")
    Optional<Integer> blockSize = Optional.empty();

    @Option(names = "--num-kv-blocks", paramLabel = "N",
            description = "KV blocks in the cache (default: room for 16 sequences of --max-model-len).")
    Optional<Integer> numKvBlocks = Optional.empty();

    @Option(names = "--max-num-batched-tokens", paramLabel = "N", description = "Tokens computed per step at most (default 2048).")
    Optional<Integer> maxNumBatchedTokens = Optional.empty();

    @Option(names = "--max-num-seqs", paramLabel = "N", description = "Sequences in the running batch at most (default 64).")
    Optional<Integer> maxNumSeqs = Optional.empty();

    @Option(names = "--max-model-len", paramLabel = "TOKENS",
            description = "Context window, prompt plus output (default and maximum: the model's).")
    Optional<Integer> maxModelLen = Optional.empty();

    @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Reuse the KV blocks of identical prompt prefixes (default: enabled).")
    boolean enablePrefixCaching = true;

    @Option(names = "--min-step-ms", paramLabel = "MS", defaultValue = "0",
            description = "Pace every engine step to at least this long, emulating a slower device (default 0: off). Makes migrations "
                    + "and queues of the tiny stories260K model visible in a live view.")
    double minStepMs;

    /** The step pacing in nanoseconds (0: none). */
    long minStepNanos() {
        if (!(minStepMs >= 0) || minStepMs > 60_000) {
            throw new UserException("--min-step-ms must be between 0 and 60000, got " + minStepMs);
        }
        return (long) (minStepMs * 1_000_000);
    }

    EngineConfig toConfig(ModelShape shape, long seed) {
        int maxLen = maxModelLen.orElse(shape.maxSeqLen());
        if (maxLen > shape.maxSeqLen()) {
            throw new UserException("--max-model-len " + maxLen + " exceeds the model's context window of " + shape.maxSeqLen() + " tokens");
        }
        EngineConfig defaults = EngineConfig.defaults(maxLen);
        int block = blockSize.orElse(defaults.blockSize());
        int blocks = numKvBlocks.orElseGet(() -> blockSize.isEmpty()
                ? defaults.numKvBlocks()
                : Math.max(64, (maxLen + block - 1) / block * 16));
        return new EngineConfig(block, blocks, maxNumBatchedTokens.orElse(defaults.maxNumBatchedTokens()),
                maxNumSeqs.orElse(defaults.maxNumSeqs()), maxLen, enablePrefixCaching, seed);
    }

    /** The flags that were set, as arguments for a child {@code llumnix engine}. */
    List<String> toArgs() {
        List<String> args = new ArrayList<>();
        blockSize.ifPresent(v -> args.addAll(List.of("--block-size", v.toString())));
        numKvBlocks.ifPresent(v -> args.addAll(List.of("--num-kv-blocks", v.toString())));
        maxNumBatchedTokens.ifPresent(v -> args.addAll(List.of("--max-num-batched-tokens", v.toString())));
        maxNumSeqs.ifPresent(v -> args.addAll(List.of("--max-num-seqs", v.toString())));
        maxModelLen.ifPresent(v -> args.addAll(List.of("--max-model-len", v.toString())));
        args.add(enablePrefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching");
        if (minStepMs > 0) {
            args.addAll(List.of("--min-step-ms", Double.toString(minStepMs)));
        }
        return args;
    }
}
