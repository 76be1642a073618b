package io.llumnix.engine.model;

import io.llumnix.engine.exec.ModelShape;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a llama2.c "legacy" (version 0) checkpoint: a header of seven little-endian int32 ({@code dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}; a negative vocab size means an untied
 * classifier) followed by fp32 arrays in run.c's order: token embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2,
 * w3, rms_final, the unused legacy RoPE tables ({@code 2 × seq_len × head_size/2}), and {@code wcls} when untied.
 * The file is memory-mapped and copied into Java arrays, so it may be deleted once loaded.
 *
 * <p>Stateless; every failure is an {@link IllegalArgumentException} whose message names the file.
 */
final class Llama2Checkpoint {

    static final int HEADER_BYTES = 7 * Integer.BYTES;
    /** "ak42", the magic of llama2.c's versioned export formats (version 1 and 2). */
    private static final int VERSIONED_MAGIC = 0x616b3432;
    private static final int MAX_DIM = 1 << 20;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2Checkpoint() {}

    /** The header of a checkpoint: its shape and whether the classifier is tied to the embedding. */
    record Header(ModelShape shape, boolean tied) {

        /** Exact file size this header implies. */
        long expectedBytes() {
            long floats = shape.parameterCount() + (long) shape.maxSeqLen() * shape.headSize()
                    + (tied ? 0 : (long) shape.vocabSize() * shape.dim());
            return HEADER_BYTES + 4L * floats;
        }
    }

    static ModelWeights load(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model checkpoint not found: " + path);
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Header header = readHeader(file, size, path);
            long expected = header.expectedBytes();
            if (size != expected) {
                throw new IllegalArgumentException("checkpoint " + path + " has " + size + " bytes but its header ("
                        + describe(header) + ") implies " + expected + (size < expected ? "; the file is truncated" : ""));
            }
            checkHeap(header, path);
            return readWeights(file, header);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model checkpoint not found: " + path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read model checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    static Header readHeader(MemorySegment file, long size, Path path) {
        if (size < HEADER_BYTES) {
            throw new IllegalArgumentException("not a llama2.c checkpoint (" + size + " bytes, shorter than the 28-byte header): " + path);
        }
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = file.get(INT, 4L * i);
        }
        if (h[0] == VERSIONED_MAGIC) {
            throw new IllegalArgumentException("checkpoint " + path + " uses llama2.c export format version " + h[1]
                    + "; only the legacy version 0 format (export.py --version 0) is supported");
        }
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = h[5], seq = h[6];
        if (dim <= 0 || dim > MAX_DIM || hidden <= 0 || hidden > 4 * MAX_DIM || layers <= 0 || layers > 1024
                || heads <= 0 || kvHeads <= 0 || vocab == 0 || vocab == Integer.MIN_VALUE || Math.abs(vocab) > (1 << 24)
                || seq <= 0 || seq > (1 << 24)) {
            throw new IllegalArgumentException("not a llama2.c checkpoint (implausible header dim=" + dim + " hidden_dim=" + hidden
                    + " n_layers=" + layers + " n_heads=" + heads + " n_kv_heads=" + kvHeads + " vocab_size=" + vocab
                    + " seq_len=" + seq + "): " + path);
        }
        ModelShape shape;
        try {
            shape = new ModelShape(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seq);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad checkpoint header in " + path + ": " + e.getMessage(), e);
        }
        if (shape.headSize() % 2 != 0) {
            throw new IllegalArgumentException("bad checkpoint header in " + path + ": head size " + shape.headSize()
                    + " is odd, RoPE needs pairs");
        }
        return new Header(shape, vocab > 0);
    }

    private static void checkHeap(Header header, Path path) {
        long need = ModelWeights.bytes(header.shape(), header.tied());
        long max = Runtime.getRuntime().maxMemory();
        if (need > max) {
            throw new IllegalArgumentException("model " + path + " needs " + (need >> 20) + " MiB of heap for its weights but -Xmx allows "
                    + (max >> 20) + " MiB");
        }
    }

    private static ModelWeights readWeights(MemorySegment file, Header header) {
        ModelShape s = header.shape();
        ModelWeights w = ModelWeights.allocate(s, header.tied());
        int dim = s.dim();
        int kvDim = s.kvDim();
        int hidden = s.hiddenDim();
        int layers = s.numLayers();
        Reader r = new Reader(file, HEADER_BYTES);
        r.read(w.tokenEmbedding(), 0, s.vocabSize() * dim);
        for (int l = 0; l < layers; l++) {
            r.read(w.rmsAtt()[l], 0, dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.wqkv()[l], 0, dim * dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.wqkv()[l], dim * dim, kvDim * dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.wqkv()[l], (dim + kvDim) * dim, kvDim * dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.wo()[l], 0, dim * dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.rmsFfn()[l], 0, dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.w13()[l], 0, hidden * dim);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.w2()[l], 0, dim * hidden);
        }
        for (int l = 0; l < layers; l++) {
            r.read(w.w13()[l], hidden * dim, hidden * dim);
        }
        r.read(w.rmsFinal(), 0, dim);
        r.skip((long) s.maxSeqLen() * s.headSize()); // freq_cis_real and freq_cis_imag: RoPE is computed instead
        if (!header.tied()) {
            r.read(w.classifier(), 0, s.vocabSize() * dim);
        }
        return w;
    }

    static String describe(Header h) {
        ModelShape s = h.shape();
        return "dim=" + s.dim() + " hidden_dim=" + s.hiddenDim() + " n_layers=" + s.numLayers() + " n_heads=" + s.numHeads()
                + " n_kv_heads=" + s.numKvHeads() + " vocab_size=" + (h.tied() ? "" : "-") + s.vocabSize() + " seq_len=" + s.maxSeqLen();
    }

    /** Sequential float reader over the mapped file. */
    private static final class Reader {
        private final MemorySegment file;
        private long offset;

        Reader(MemorySegment file, long offset) {
            this.file = file;
            this.offset = offset;
        }

        void read(float[] dst, int dstIndex, int count) {
            MemorySegment.copy(file, FLOAT, offset, dst, dstIndex, count);
            offset += 4L * count;
        }

        void skip(long floats) {
            offset += 4L * floats;
        }
    }
}
