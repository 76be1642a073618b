package io.llumnix.engine.exec;

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
}
