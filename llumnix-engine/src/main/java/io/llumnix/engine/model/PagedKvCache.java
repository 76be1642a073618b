package io.llumnix.engine.model;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelShape;
import java.lang.foreign.MemorySegment;

/**
 * The paged KV cache of a {@link TransformerExecutor}: per layer one contiguous {@code float[]} of
 * {@code numBlocks × blockFloats}, block after block, so a layer's blocks move with one array copy each.
 *
 * <p>Layout of block {@code b} in one layer, at offset {@code b × blockFloats} with
 * {@code blockFloats = 2 × blockSize × kvDim}:
 * <ol>
 *   <li>keys, transposed: {@code K[c][s]} at {@code c × blockSize + s} for channel {@code c < kvDim} (head
 *       {@code c / headSize}) and slot {@code s < blockSize}, so one head's keys are a contiguous
 *       {@code headSize × blockSize} matrix and the attention kernel scores all slots of a block with lane-wise
 *       multiply-adds;</li>
 *   <li>then values, slot-major: {@code V[s][c]} at {@code blockSize × kvDim + s × kvDim + c}.</li>
 * </ol>
 * Attention for one token streams each block twice, keys then values, front to back.
 * {@link #readBlocks}/{@link #writeBlocks} use exactly this per-block format, so blocks can be copied between
 * executors of the same model and block size.
 *
 * <p>Not thread-safe: the owning executor's step serialises access (its attention tasks only read).
 */
final class PagedKvCache implements KvCacheStorage {

    private final int numBlocks;
    private final int blockSize;
    private final int kvDim;
    private final int headSize;
    private final int blockFloats;
    private final float[][] layers;

    PagedKvCache(ModelShape shape, int numBlocks, int blockSize) {
        if (numBlocks <= 0) {
            throw new IllegalArgumentException("numKvBlocks must be positive, got " + numBlocks);
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
        }
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.kvDim = shape.kvDim();
        this.headSize = shape.headSize();
        long perBlock = 2L * blockSize * kvDim;
        long perLayer = perBlock * numBlocks;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize + " tokens needs " + perLayer
                    + " floats per layer, beyond the Java array limit; use fewer blocks");
        }
        long bytes = 4L * perLayer * shape.numLayers();
        if (bytes > Runtime.getRuntime().maxMemory()) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize + " tokens needs " + (bytes >> 20)
                    + " MiB but -Xmx allows " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; use fewer blocks");
        }
        this.blockFloats = (int) perBlock;
        this.layers = new float[shape.numLayers()][(int) perLayer];
    }

    @Override
    public int numBlocks() {
        return numBlocks;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int numLayers() {
        return layers.length;
    }

    @Override
    public int blockFloats() {
        return blockFloats;
    }

    /** Drops the arrays (the executor was closed); any later use fails. */
    void release() {
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new float[0];
        }
    }

    /** The whole array of one layer (for the executor's attention). */
    float[] layer(int layer) {
        return layers[layer];
    }

    /** Offset of KV head {@code kvHead}'s transposed keys in {@code block} ({@code headSize × blockSize}). */
    int keyOffset(int block, int kvHead) {
        return block * blockFloats + kvHead * headSize * blockSize;
    }

    /** Offset of the values of {@code slot} in {@code block} ({@code kvDim} floats, heads in order). */
    int valueOffset(int block, int slot) {
        return block * blockFloats + blockSize * kvDim + slot * kvDim;
    }

    /** Stores one token's key and value ({@code kvDim} floats each, heads in order) at a slot. */
    void write(int layer, int block, int slot, float[] k, int kOff, float[] v, int vOff) {
        float[] data = layers[layer];
        int kBase = block * blockFloats + slot;
        for (int c = 0; c < kvDim; c++) {
            data[kBase + c * blockSize] = k[kOff + c];
        }
        System.arraycopy(v, vOff, data, valueOffset(block, slot), kvDim);
    }

    @Override
    public void readBlocks(int layer, int[] blocks, float[] dst) {
        checkTransfer(layer, blocks, dst.length);
        float[] data = layers[layer];
        for (int i = 0; i < blocks.length; i++) {
            System.arraycopy(data, blocks[i] * blockFloats, dst, i * blockFloats, blockFloats);
        }
    }

    @Override
    public void writeBlocks(int layer, int[] blocks, float[] src) {
        checkTransfer(layer, blocks, src.length);
        float[] data = layers[layer];
        for (int i = 0; i < blocks.length; i++) {
            System.arraycopy(src, i * blockFloats, data, blocks[i] * blockFloats, blockFloats);
        }
    }

    @Override
    public void readBlocks(int layer, int[] blocks, MemorySegment dst) {
        checkTransfer(layer, blocks, dst.byteSize() / Float.BYTES);
        float[] data = layers[layer];
        long blockBytes = (long) blockFloats * Float.BYTES;
        for (int i = 0; i < blocks.length; i++) {
            MemorySegment.copy(data, blocks[i] * blockFloats, dst, WIRE_FLOAT, i * blockBytes, blockFloats);
        }
    }

    @Override
    public void writeBlocks(int layer, int[] blocks, MemorySegment src) {
        checkTransfer(layer, blocks, src.byteSize() / Float.BYTES);
        float[] data = layers[layer];
        long blockBytes = (long) blockFloats * Float.BYTES;
        for (int i = 0; i < blocks.length; i++) {
            MemorySegment.copy(src, WIRE_FLOAT, i * blockBytes, data, blocks[i] * blockFloats, blockFloats);
        }
    }

    private void checkTransfer(int layer, int[] blocks, long arrayLength) {
        if (layer < 0 || layer >= layers.length) {
            throw new IllegalArgumentException("layer " + layer + " outside 0.." + (layers.length - 1));
        }
        if ((long) blocks.length * blockFloats > arrayLength) {
            throw new IllegalArgumentException(blocks.length + " blocks need " + (long) blocks.length * blockFloats
                    + " floats, array has " + arrayLength);
        }
        for (int b : blocks) {
            if (b < 0 || b >= numBlocks) {
                throw new IllegalArgumentException("KV block " + b + " outside 0.." + (numBlocks - 1));
            }
        }
    }
}
