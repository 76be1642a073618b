package io.llumnix.engine.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The physical KV cache: {@code numBlocks} blocks of {@code blockSize} token slots in every layer. The block
 * manager owns which block belongs to whom; this only holds the numbers. Live migration reads blocks out of
 * one instance's storage and writes them into another's, a layer at a time, with the blocks of a layer
 * fused into one contiguous array.
 *
 * <p>Layout of one block in one layer: {@code blockSize} slots, each slot {@code kvDim} K floats followed
 * by... (implementation-defined); callers only move whole blocks through {@link #readBlocks} and
 * {@link #writeBlocks}, whose array format is {@code blocks.length × blockFloats()} floats, block after block.
 *
 * <p>Not thread-safe: the owning step loop serialises access.
 */
public interface KvCacheStorage {

    int numBlocks();

    int blockSize();

    int numLayers();

    /** Floats one block holds in one layer (K and V of every slot). */
    int blockFloats();

    /** Copies the given blocks of one layer into {@code dst} (length ≥ blocks.length × blockFloats()). */
    void readBlocks(int layer, int[] blocks, float[] dst);

    /** Overwrites the given blocks of one layer from {@code src}, in the same format {@link #readBlocks} writes. */
    void writeBlocks(int layer, int[] blocks, float[] src);

    /** The wire format of {@link #readBlocks(int, int[], MemorySegment)}: little-endian floats, unaligned. */
    ValueLayout.OfFloat WIRE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Copies the given blocks of one layer into {@code dst} as little-endian floats, in the format of
     * {@link #readBlocks(int, int[], float[])} ({@code dst.byteSize() ≥ blocks.length × blockFloats() × 4}). This is
     * the migration's send path: straight from the pages into an I/O buffer. The default stages through a float array;
     * storages override it with bulk copies.
     */
    default void readBlocks(int layer, int[] blocks, MemorySegment dst) {
        float[] tmp = new float[blocks.length * blockFloats()];
        readBlocks(layer, blocks, tmp);
        MemorySegment.copy(tmp, 0, dst, WIRE_FLOAT, 0, tmp.length);
    }

    /** Overwrites the given blocks of one layer from little-endian floats in {@code src} (the format {@link #readBlocks(int, int[], MemorySegment)} writes). */
    default void writeBlocks(int layer, int[] blocks, MemorySegment src) {
        float[] tmp = new float[blocks.length * blockFloats()];
        MemorySegment.copy(src, WIRE_FLOAT, 0, tmp, 0, tmp.length);
        writeBlocks(layer, blocks, tmp);
    }
}
