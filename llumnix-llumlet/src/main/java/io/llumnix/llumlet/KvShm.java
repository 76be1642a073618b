package io.llumnix.llumlet;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The shared-memory payload area of a KV data connection between two processes on one host ({@link KvWire}): a file
 * in {@code /dev/shm} that both ends map, used as a ring of frame payloads. The source copies a frame's blocks
 * straight from its KV pages into free space of the ring and sends only the frame's header (with the payload's
 * offset) on the socket; the destination copies them from there into its own pages and acknowledges the frame, which
 * frees its space (frames are acknowledged in order). Over loopback TCP the same bytes cost four copies
 * and the kernel's network path (≈ 0.65 ns of CPU per byte, measured); through here, two plain memory copies.
 *
 * <p>The file is created owner-only, starts with a random nonce the destination checks (so a same-named file on
 * another host cannot be mistaken for it), and is deleted as soon as the destination has mapped it (or refused it):
 * the mappings outlive the name, and a crash leaves nothing behind. A mapping is released by the garbage collector
 * once its area is unreachable ({@link Arena#ofAuto()}): a migration that aborts may leave a copy thread writing into
 * the area for a moment, and an explicit unmap under it is exactly what must not happen.
 */
final class KvShm implements AutoCloseable {

    /** Where the files live: a RAM-backed file system on Linux. */
    static final Path DIR = Path.of("/dev/shm");
    static final String PREFIX = "llumnix-kv-";
    /** The ring starts after the nonce; payload offsets are multiples of this. */
    static final long ALIGN = 64;

    private final Arena arena;
    private final MemorySegment segment;
    private final long capacity;
    private final long nonce;
    private final Path path;

    private KvShm(Arena arena, MemorySegment segment, long capacity, long nonce, Path path) {
        this.arena = arena;
        this.segment = segment;
        this.capacity = capacity;
        this.nonce = nonce;
        this.path = path;
    }

    /**
     * A new area with a ring of {@code capacity} bytes (a multiple of {@link #ALIGN}), for the source; empty where
     * {@link #DIR} is not usable. tmpfs allocates pages on first touch, so an area costs what its frames use.
     */
    static Optional<KvShm> create(long capacity) {
        if (capacity <= 0 || capacity % ALIGN != 0) {
            throw new IllegalArgumentException("capacity must be a positive multiple of " + ALIGN + ", got " + capacity);
        }
        if (!Files.isDirectory(DIR) || !Files.isWritable(DIR)) {
            return Optional.empty();
        }
        Path path = null;
        Arena arena = Arena.ofAuto();
        try {
            long size = ALIGN + capacity;
            // tmpfs allocates on first write, and a write into a mapping of a full one faults (the copy then fails with
            // an InternalError, which the link turns into an I/O error): leave plenty of room or use the socket.
            if (Files.getFileStore(DIR).getUsableSpace() < 4 * size) {
                return Optional.empty();
            }
            path = Files.createTempFile(DIR, PREFIX, ".kv");
            long nonce = ThreadLocalRandom.current().nextLong();
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, nonce);
                return Optional.of(new KvShm(arena, seg, capacity, nonce, path));
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(path);
            return Optional.empty();
        }
    }

    /**
     * The destination's mapping of the source's area, read-only; empty (after which the source sends frames inline)
     * when the file is not there, is not one of ours, or its nonce or size differ.
     */
    static Optional<KvShm> open(String file, long nonce, long size) {
        Path path = Path.of(file).normalize();
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (!DIR.equals(path.getParent()) || !name.startsWith(PREFIX) || size <= ALIGN || size % ALIGN != 0
                || size > ALIGN + 2L * KvWire.MAX_FRAME_BYTES) {
            return Optional.empty();
        }
        Arena arena = Arena.ofAuto();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() != size) {
                return Optional.empty();
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (seg.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != nonce) {
                return Optional.empty();
            }
            return Optional.of(new KvShm(arena, seg, size - ALIGN, nonce, path));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code bytes} of the ring from {@code offset}. */
    MemorySegment region(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > capacity) {
            throw new IllegalArgumentException("no region of " + bytes + " bytes at " + offset + " in a ring of " + capacity);
        }
        return segment.asSlice(ALIGN + offset, bytes);
    }

    long capacity() {
        return capacity;
    }

    long nonce() {
        return nonce;
    }

    long size() {
        return segment.byteSize();
    }

    String path() {
        return path.toString();
    }

    /** Removes the name; the mappings stay valid. */
    void unlink() {
        deleteQuietly(path);
    }

    /** Done with the area: nothing to do now, the collector unmaps it once it is unreachable (see above). */
    @Override
    public void close() {
        // Arena.ofAuto(): no explicit unmap.
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // tmpfs: nothing else to do
        }
    }
}
