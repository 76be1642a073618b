package io.llumnix.engine;

/**
 * How one engine instance batches and caches. Validated on construction with messages that name the flag.
 *
 * @param blockSize tokens per KV block ({@code --block-size})
 * @param numKvBlocks KV blocks in the cache ({@code --num-kv-blocks})
 * @param maxNumBatchedTokens tokens computed per step at most, prefill chunks and decodes together
 *     ({@code --max-num-batched-tokens})
 * @param maxNumSeqs sequences in the running batch at most ({@code --max-num-seqs})
 * @param maxModelLen context window in tokens (prompt + output); at most the model's
 * @param enablePrefixCaching reuse KV blocks of identical prefixes ({@code --enable-prefix-caching})
 * @param seed seeds the per-request RNG of requests that bring no seed of their own
 */
public record EngineConfig(
        int blockSize,
        int numKvBlocks,
        int maxNumBatchedTokens,
        int maxNumSeqs,
        int maxModelLen,
        boolean enablePrefixCaching,
        long seed) {

    public static final int DEFAULT_BLOCK_SIZE = 16;

    public EngineConfig {
        check(blockSize > 0 && blockSize <= 1024, "--block-size must be in 1..1024, got " + blockSize);
        check(numKvBlocks > 0, "--num-kv-blocks must be positive, got " + numKvBlocks);
        check(maxNumBatchedTokens > 0, "--max-num-batched-tokens must be positive, got " + maxNumBatchedTokens);
        check(maxNumSeqs > 0, "--max-num-seqs must be positive, got " + maxNumSeqs);
        check(maxModelLen > 0, "--max-model-len must be positive, got " + maxModelLen);
        check((long) numKvBlocks * blockSize >= maxModelLen,
                "the KV cache (" + numKvBlocks + " blocks of " + blockSize + " tokens) cannot hold one sequence of --max-model-len "
                        + maxModelLen + " tokens");
    }

    /** Defaults for a model with the given context window: room for 16 full-length sequences. */
    public static EngineConfig defaults(int maxModelLen) {
        int blocks = Math.max(64, ceilDiv(maxModelLen, DEFAULT_BLOCK_SIZE) * 16);
        return new EngineConfig(DEFAULT_BLOCK_SIZE, blocks, 2048, 64, maxModelLen, true, 0L);
    }

    public EngineConfig withNumKvBlocks(int n) {
        return new EngineConfig(blockSize, n, maxNumBatchedTokens, maxNumSeqs, maxModelLen, enablePrefixCaching, seed);
    }

    public EngineConfig withMaxNumBatchedTokens(int n) {
        return new EngineConfig(blockSize, numKvBlocks, n, maxNumSeqs, maxModelLen, enablePrefixCaching, seed);
    }

    public EngineConfig withMaxNumSeqs(int n) {
        return new EngineConfig(blockSize, numKvBlocks, maxNumBatchedTokens, n, maxModelLen, enablePrefixCaching, seed);
    }

    public EngineConfig withPrefixCaching(boolean enabled) {
        return new EngineConfig(blockSize, numKvBlocks, maxNumBatchedTokens, maxNumSeqs, maxModelLen, enabled, seed);
    }

    public EngineConfig withBlockSize(int n) {
        return new EngineConfig(n, numKvBlocks, maxNumBatchedTokens, maxNumSeqs, maxModelLen, enablePrefixCaching, seed);
    }

    public EngineConfig withSeed(long s) {
        return new EngineConfig(blockSize, numKvBlocks, maxNumBatchedTokens, maxNumSeqs, maxModelLen, enablePrefixCaching, s);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
