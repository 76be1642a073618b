package io.llumnix.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import io.llumnix.engine.kernel.KernelChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ModelExecutor determinism contract: a sequence's logits and KV are bit-identical whether its tokens are
 * computed alone, among other sequences, or in differently sized prefill chunks. The model is small but wide
 * enough that the bigger steps run their matmuls and attention on several threads.
 */
class TestBatchInvariance {

    private static final LoadedModel MODEL = ModelLoader.load(
            "synthetic:dim=128,layers=2,heads=4,kvheads=2,hidden=320,vocab=300,seq=256,seed=3", Optional.empty());
    private static final int BLOCK_SIZE = 8;
    private static final int BLOCKS = 128;
    /** Sequence A always lives in blocks 0..15; the others from block 16 on. */
    private static final int[] TABLE_A = TestingGreedy.contiguousTable(128, BLOCK_SIZE, 0);
    private static final int[] PROMPT_A = randomTokens(new SplittableRandom(1), 21);
    private static final int NEXT_A = 77;

    private record Result(float[] logits, float[][] kv) {}

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void decode_aloneOrInBatchOfSeven_isBitIdentical(KernelChoice kernels) {
        Result alone;
        try (TransformerExecutor ex = MODEL.newExecutor(BLOCKS, BLOCK_SIZE, kernels)) {
            prefillA(ex, PROMPT_A.length);
            float[] logits = ex.execute(batch(decodeA())).logits().get(0);
            alone = new Result(logits, kvOfA(ex));
        }
        Result batched;
        try (TransformerExecutor ex = MODEL.newExecutor(BLOCKS, BLOCK_SIZE, kernels)) {
            prefillA(ex, PROMPT_A.length);
            List<SequenceChunk> chunks = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(9);
            for (int s = 0; s < 6; s++) {
                int[] table = TestingGreedy.contiguousTable(64, BLOCK_SIZE, 16 + 8 * s);
                int len = 5 + 9 * s;
                ex.execute(batch(new SequenceChunk(10 + s, randomTokens(rng, len), 0, table, false)));
                chunks.add(new SequenceChunk(10 + s, new int[] {rng.nextInt(300)}, len, table, true));
            }
            chunks.add(3, decodeA());
            StepOutput out = ex.execute(new StepBatch(chunks));
            batched = new Result(out.logits().get(3), kvOfA(ex));
        }

        assertThat(batched.logits()).isEqualTo(alone.logits());
        assertThat(batched.kv()).isDeepEqualTo(alone.kv());
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void prefill_oneChunkOrSplitOrTokenByToken_isBitIdentical(KernelChoice kernels) {
        Result oneChunk = prefillInChunks(kernels, new int[] {PROMPT_A.length});
        Result split = prefillInChunks(kernels, new int[] {5, 9, 7});
        int[] ones = new int[PROMPT_A.length];
        Arrays.fill(ones, 1);
        Result tokenByToken = prefillInChunks(kernels, ones);

        assertThat(split.logits()).isEqualTo(oneChunk.logits());
        assertThat(split.kv()).isDeepEqualTo(oneChunk.kv());
        assertThat(tokenByToken.logits()).isEqualTo(oneChunk.logits());
        assertThat(tokenByToken.kv()).isDeepEqualTo(oneChunk.kv());
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void prefill_chunkAmongOtherPrefillsAndDecodes_isBitIdentical(KernelChoice kernels) {
        Result alone = prefillInChunks(kernels, new int[] {PROMPT_A.length});
        Result mixed;
        try (TransformerExecutor ex = MODEL.newExecutor(BLOCKS, BLOCK_SIZE, kernels)) {
            SplittableRandom rng = new SplittableRandom(5);
            int[] tableB = TestingGreedy.contiguousTable(64, BLOCK_SIZE, 40);
            int[] tableC = TestingGreedy.contiguousTable(64, BLOCK_SIZE, 60);
            ex.execute(batch(new SequenceChunk(2, randomTokens(rng, 30), 0, tableB, false)));
            StepOutput out = ex.execute(new StepBatch(List.of(
                    new SequenceChunk(2, new int[] {4}, 30, tableB, true),
                    new SequenceChunk(3, randomTokens(rng, 45), 0, tableC, true),
                    new SequenceChunk(1, PROMPT_A, 0, TABLE_A, true))));
            mixed = new Result(out.logits().get(2), kvOfA(ex));
        }

        assertThat(mixed.logits()).isEqualTo(alone.logits());
        assertThat(mixed.kv()).isDeepEqualTo(alone.kv());
    }

    private static Result prefillInChunks(KernelChoice kernels, int[] sizes) {
        try (TransformerExecutor ex = MODEL.newExecutor(BLOCKS, BLOCK_SIZE, kernels)) {
            int pos = 0;
            float[] logits = new float[0];
            for (int size : sizes) {
                int[] tokens = Arrays.copyOfRange(PROMPT_A, pos, pos + size);
                logits = ex.execute(batch(new SequenceChunk(1, tokens, pos, TABLE_A, true))).logits().get(0);
                pos += size;
            }
            return new Result(logits, kvOfA(ex));
        }
    }

    private static void prefillA(TransformerExecutor ex, int length) {
        ex.execute(batch(new SequenceChunk(1, Arrays.copyOf(PROMPT_A, length), 0, TABLE_A, false)));
    }

    private static SequenceChunk decodeA() {
        return new SequenceChunk(1, new int[] {NEXT_A}, PROMPT_A.length, TABLE_A, true);
    }

    /** A's blocks (0..3 cover its 22 positions), every layer. */
    private static float[][] kvOfA(TransformerExecutor ex) {
        KvCacheStorage kv = ex.kvStorage().orElseThrow();
        int[] blocks = {0, 1, 2};
        float[][] out = new float[kv.numLayers()][blocks.length * kv.blockFloats()];
        for (int l = 0; l < kv.numLayers(); l++) {
            kv.readBlocks(l, blocks, out[l]);
        }
        return out;
    }

    private static StepBatch batch(SequenceChunk chunk) {
        return new StepBatch(List.of(chunk));
    }

    private static int[] randomTokens(SplittableRandom rng, int n) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + rng.nextInt(297);
        }
        return t;
    }
}
