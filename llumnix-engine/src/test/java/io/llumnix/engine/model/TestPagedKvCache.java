package io.llumnix.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.ModelShape;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPagedKvCache {

    private final ModelShape shape = new ModelShape(16, 32, 2, 4, 2, 300, 64); // kvDim 8

    @Test
    void layout_transposedKeysThenSlotMajorValues() {
        PagedKvCache cache = new PagedKvCache(shape, 3, 4);
        float[] k = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] v = {11, 12, 13, 14, 15, 16, 17, 18};

        cache.write(1, 2, 3, k, 0, v, 0);

        float[] block = new float[cache.blockFloats()];
        cache.readBlocks(1, new int[] {2}, block);
        assertThat(cache.blockFloats()).isEqualTo(2 * 4 * 8);
        // keys: channel c of slot s at c * blockSize + s; values: slot s channel c at blockSize * kvDim + s * kvDim + c
        for (int c = 0; c < 8; c++) {
            assertThat(block[c * 4 + 3]).isEqualTo(k[c]);
            assertThat(block[4 * 8 + 3 * 8 + c]).isEqualTo(v[c]);
        }
    }

    @Test
    void readWriteBlocks_copyBetweenCaches_preservesEveryFloat() {
        PagedKvCache src = new PagedKvCache(shape, 4, 4);
        PagedKvCache dst = new PagedKvCache(shape, 6, 4);
        float[] k = new float[8];
        float[] v = new float[8];
        for (int b = 0; b < 4; b++) {
            for (int s = 0; s < 4; s++) {
                for (int c = 0; c < 8; c++) {
                    k[c] = b * 100 + s * 10 + c;
                    v[c] = -k[c];
                }
                src.write(0, b, s, k, 0, v, 0);
            }
        }
        float[] fused = new float[2 * src.blockFloats()];
        src.readBlocks(0, new int[] {3, 1}, fused);
        dst.writeBlocks(0, new int[] {5, 0}, fused);

        float[] a = new float[src.blockFloats()];
        float[] b = new float[src.blockFloats()];
        src.readBlocks(0, new int[] {3}, a);
        dst.readBlocks(0, new int[] {5}, b);
        assertThat(b).isEqualTo(a);
        src.readBlocks(0, new int[] {1}, a);
        dst.readBlocks(0, new int[] {0}, b);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void segmentReadWrite_littleEndianWireFormat_matchesTheArrayPath() {
        PagedKvCache src = new PagedKvCache(shape, 4, 4);
        PagedKvCache dst = new PagedKvCache(shape, 6, 4);
        float[] k = new float[8];
        float[] v = new float[8];
        for (int b = 0; b < 4; b++) {
            for (int c = 0; c < 8; c++) {
                k[c] = b * 1.5f + c;
                v[c] = -k[c] / 3;
            }
            src.write(1, b, 2, k, 0, v, 0);
        }
        java.nio.ByteBuffer wire = java.nio.ByteBuffer.allocateDirect(2 * src.blockFloats() * Float.BYTES + 8);
        java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofBuffer(wire);
        src.readBlocks(1, new int[] {3, 0}, seg);
        float[] fused = new float[2 * src.blockFloats()];
        src.readBlocks(1, new int[] {3, 0}, fused);
        java.nio.FloatBuffer le = wire.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < fused.length; i++) {
            assertThat(le.get(i)).isEqualTo(fused[i]);
        }
        dst.writeBlocks(1, new int[] {4, 1}, seg);
        float[] back = new float[2 * src.blockFloats()];
        dst.readBlocks(1, new int[] {4, 1}, back);
        assertThat(back).isEqualTo(fused);
        assertThatThrownBy(() -> src.readBlocks(1, new int[] {0, 1, 2}, seg)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readBlocks_badBlockOrShortArray_rejects() {
        PagedKvCache cache = new PagedKvCache(shape, 2, 4);

        assertThatThrownBy(() -> cache.readBlocks(0, new int[] {2}, new float[cache.blockFloats()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 2");
        assertThatThrownBy(() -> cache.readBlocks(0, new int[] {0, 1}, new float[cache.blockFloats()]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.readBlocks(2, new int[] {0}, new float[cache.blockFloats()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 2");
    }

    @Test
    void migration_copiedBlocks_continueDecodingIdentically() {
        // Decode stories260K on executor A, move its blocks to other block ids on executor B, continue on both.
        LoadedModel model = TestingModelFiles.stories();
        int[] prompt = model.tokenizer().encode("Once upon a time", true);
        try (TransformerExecutor a = model.newExecutor(8, 4); TransformerExecutor b = model.newExecutor(8, 4)) {
            int[] tableA = {0, 1, 2};
            int[] tableB = {6, 3, 5};
            a.execute(new StepBatch(List.of(new SequenceChunk(1, prompt, 0, tableA, false))));
            KvCacheStorage src = a.kvStorage().orElseThrow();
            KvCacheStorage dst = b.kvStorage().orElseThrow();
            float[] buf = new float[2 * src.blockFloats()];
            for (int l = 0; l < src.numLayers(); l++) {
                src.readBlocks(l, new int[] {0, 1}, buf);
                dst.writeBlocks(l, new int[] {6, 3}, buf);
            }
            float[] onA = a.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {432}, prompt.length, tableA, true)))).logits().get(0);
            float[] onB = b.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {432}, prompt.length, tableB, true)))).logits().get(0);

            assertThat(onB).isEqualTo(onA);
        }
    }

    @Test
    void construct_tooLargeForArrays_rejects() {
        ModelShape wide = new ModelShape(4096, 32, 1, 32, 32, 300, 64);

        assertThatThrownBy(() -> new PagedKvCache(wide, 1 << 20, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fewer blocks");
    }
}
