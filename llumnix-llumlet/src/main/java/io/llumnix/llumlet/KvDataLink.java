package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.engine.sched.MigratingRequest;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The source's end of one KV data connection ({@link KvWire}): copies each layer's blocks straight from the KV
 * pages into one direct buffer (bulk copies, no per-float loop, no protobuf) and writes it to the socket. Blocking;
 * one thread at a time. {@link #close} from another thread aborts a blocked write.
 */
final class KvDataLink implements AutoCloseable {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Frame buffers outlive links: allocating (and zeroing) megabytes per migration is CPU the engine's step pays for. */
    private static final DirectBufferPool BUFFERS = new DirectBufferPool(8);
    /** Connections whose frames went through shared memory, since start (diagnostics and tests). */
    private static final java.util.concurrent.atomic.AtomicLong SHARED_MEMORY_LINKS = new java.util.concurrent.atomic.AtomicLong();

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocateDirect(KvWire.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer payload;
    /** The whole payload buffer (a view taken once: {@code ofBuffer} covers only position to limit). */
    private final MemorySegment buffer;
    /** The shared-memory ring when the destination mapped it: frames then carry no payload on the socket. */
    private final Optional<KvShm> shm;
    /** Ring regions {start, end} of frames the destination has not acknowledged yet, oldest first. */
    private final java.util.ArrayDeque<long[]> unacked = new java.util.ArrayDeque<>();
    private final ByteBuffer backInt = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long ringHead;

    private KvDataLink(SocketChannel channel, int frameBytes, Optional<KvShm> shm) {
        this.channel = requireNonNull(channel, "channel is null");
        this.shm = shm;
        this.payload = shm.isPresent() ? ByteBuffer.allocateDirect(0) : BUFFERS.acquire(frameBytes);
        this.buffer = MemorySegment.ofBuffer(payload);
    }

    /**
     * Connects to {@code host:port} and introduces itself as {@code lane} of the stream holding {@code ticket}. With
     * {@code sharedMemory} it offers the destination a {@link KvShm} area and uses it if the destination maps it (same
     * host); otherwise frames go inline.
     */
    static KvDataLink connect(String address, long ticket, KvWire.Lane lane, int frameBytes, boolean sharedMemory) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IOException("bad data address " + address);
        }
        SocketChannel ch = SocketChannel.open();
        Optional<KvShm> shm = Optional.empty();
        try {
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
            // Room for two frames in flight: the next frame is copied in while the destination copies the last one out.
            shm = sharedMemory ? KvShm.create(2 * alignUp(frameBytes)) : Optional.empty();
            if (shm.isEmpty()) {
                KvWire.writeFully(ch, KvWire.hello(ticket, lane));
                return new KvDataLink(ch, frameBytes, Optional.empty());
            }
            KvWire.writeFully(ch, KvWire.helloShm(ticket, lane, shm.get()));
            ByteBuffer answer = ByteBuffer.allocate(1);
            boolean mapped = KvWire.readFully(ch, answer) && answer.get(0) == 1;
            shm.get().unlink();
            if (!mapped) {
                shm.get().close();
                shm = Optional.empty();
            } else {
                SHARED_MEMORY_LINKS.incrementAndGet();
            }
            return new KvDataLink(ch, frameBytes, shm);
        } catch (IOException | RuntimeException e) {
            shm.ifPresent(s -> {
                s.unlink();
                s.close();
            });
            ch.close();
            throw e;
        }
    }

    /** How many data connections of this process have used shared memory. */
    static long sharedMemoryLinks() {
        return SHARED_MEMORY_LINKS.get();
    }

    /** Whether frames go through shared memory. */
    boolean sharedMemory() {
        return shm.isPresent();
    }

    /**
     * Sends the given physical blocks (logical blocks {@code firstBlock…}) of every layer, at most a buffer's worth
     * per frame; flags the stage's last frame. Returns the KV bytes sent. With {@code cpuShare < 1} (a platform
     * thread only) it sleeps between frames so that this thread's CPU time stays under that share of the elapsed
     * time: the copy then spreads over the stage instead of taking a burst out of the engine's steps.
     */
    long send(KvCacheStorage storage, int firstBlock, int[] physical, double cpuShare) throws IOException {
        boolean paced = cpuShare < 1 && !Thread.currentThread().isVirtual() && THREADS.isCurrentThreadCpuTimeSupported();
        long wall0 = System.nanoTime();
        long cpu0 = paced ? THREADS.getCurrentThreadCpuTime() : 0;
        int blockBytes = storage.blockFloats() * Float.BYTES;
        long capacity = shm.isPresent() ? shm.get().capacity() / 2 : payload.capacity();
        int perFrame = (int) Math.max(1, capacity / blockBytes);
        if (perFrame * (long) blockBytes > capacity) {
            throw new IllegalStateException("a KV block of " + blockBytes + " bytes exceeds the frame buffer of " + capacity);
        }
        int layers = storage.numLayers();
        long sent = 0;
        for (int layer = 0; layer < layers; layer++) {
            for (int off = 0; off < physical.length; off += perFrame) {
                int n = Math.min(perFrame, physical.length - off);
                int bytes = n * blockBytes;
                boolean last = layer == layers - 1 && off + n >= physical.length;
                int flags = last ? KvWire.LAST_OF_STAGE : 0;
                int[] blocks = Arrays.copyOfRange(physical, off, off + n);
                if (shm.isPresent()) {
                    long at = place(bytes);
                    try {
                        storage.readBlocks(layer, blocks, shm.get().region(at, bytes));
                    } catch (InternalError e) {
                        // The JVM's answer to a fault in a mapped file: here, /dev/shm ran out of space.
                        throw new IOException("cannot write the shared-memory frame (is " + KvShm.DIR + " full?): " + e.getMessage(), e);
                    }
                    header.clear();
                    header.putInt(layer).putInt(firstBlock + off).putInt(n)
                            .putInt(flags | KvWire.SHM | (int) (at / KvShm.ALIGN) << KvWire.OFFSET_SHIFT).flip();
                    KvWire.writeFully(channel, header);
                } else {
                    storage.readBlocks(layer, blocks, buffer.asSlice(0, bytes));
                    header.clear();
                    header.putInt(layer).putInt(firstBlock + off).putInt(n).putInt(flags).flip();
                    payload.clear().limit(bytes);
                    KvWire.writeFully(channel, header, payload);
                }
                sent += bytes;
                if (paced) {
                    long due = wall0 + (long) ((THREADS.getCurrentThreadCpuTime() - cpu0) / cpuShare);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(Duration.ofNanos(wait));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted while pacing a KV copy");
                        }
                    }
                }
            }
        }
        return sent;
    }

    /**
     * Sends the request's state after the last blocks, its token ids as a raw array beside it (see {@link KvWire});
     * the destination installs it once {@code dataBytes} have arrived in all.
     */
    void sendCommit(MigratingRequest request, long dataBytes) throws IOException {
        byte[] bytes = ProtoMapping.toProtoWithoutTokens(request).toByteArray();
        int[] tokens = request.tokens();
        header.clear();
        header.putInt(0).putInt(0).putInt(0).putInt(KvWire.COMMIT).flip();
        ByteBuffer meta = ByteBuffer.allocate(KvWire.COMMIT_META_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        meta.putInt(bytes.length).putLong(dataBytes).putInt(tokens.length).flip();
        ByteBuffer ids = ByteBuffer.allocate(tokens.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ids.asIntBuffer().put(tokens);
        KvWire.writeFully(channel, header, meta, ByteBuffer.wrap(bytes), ids);
    }

    /** The destination's answer to {@link #sendCommit}; EOF when it refused (its reason is on the gRPC stream). */
    MigrateInReply readReply() throws IOException {
        int n;
        while ((n = readBackInt("the destination closed the data connection instead of committing")) < 0) {
            acknowledged(n);
        }
        if (n > KvWire.MAX_MESSAGE_BYTES) {
            throw new IOException("bad reply length " + n);
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        if (n > 0 && !KvWire.readFully(channel, body)) {
            throw new EOFException("the data connection closed in the middle of the reply");
        }
        return MigrateInReply.parseFrom(body.flip());
    }

    /**
     * Where in the ring the next frame of {@code bytes} goes: at the head, or at the start when it does not fit before
     * the end; waits for acknowledgements until no unacknowledged frame overlaps it. Records it as unacknowledged.
     */
    private long place(long bytes) throws IOException {
        long capacity = shm.orElseThrow().capacity();
        long at = ringHead + bytes <= capacity ? ringHead : 0;
        while (overlapsUnacked(at, at + bytes)) {
            int v = readBackInt("the destination closed the data connection");
            if (v >= 0) {
                throw new IOException("expected a frame acknowledgement, got a reply of " + v + " bytes");
            }
            acknowledged(v);
        }
        unacked.addLast(new long[] {at, at + bytes});
        ringHead = alignUp(at + bytes);
        return at;
    }

    private boolean overlapsUnacked(long start, long end) {
        for (long[] r : unacked) {
            if (start < r[1] && r[0] < end) {
                return true;
            }
        }
        return false;
    }

    private void acknowledged(int ack) throws IOException {
        if (ack != KvWire.ACK || unacked.isEmpty()) {
            throw new IOException("unexpected acknowledgement " + ack + " with " + unacked.size() + " frames unacknowledged");
        }
        unacked.removeFirst();
    }

    private static long alignUp(long n) {
        return (n + KvShm.ALIGN - 1) / KvShm.ALIGN * KvShm.ALIGN;
    }

    private int readBackInt(String eofMessage) throws IOException {
        backInt.clear();
        if (!KvWire.readFully(channel, backInt)) {
            throw new EOFException(eofMessage);
        }
        return backInt.flip().getInt();
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Closes the connection; the frame buffer goes back to the pool unless a write may still be using it. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to release beyond the descriptor
        }
    }

    /** Closes the connection and returns the frame buffer; only by the thread that used the link, after its last send. */
    void release() {
        close();
        if (closed.compareAndSet(false, true)) {
            if (shm.isPresent()) {
                shm.get().close();
            } else {
                BUFFERS.release(payload);
            }
        }
    }

    /**
     * A few direct buffers kept for reuse, by capacity. Thread-safe.
     */
    static final class DirectBufferPool {
        private final int max;
        private final java.util.concurrent.ConcurrentLinkedDeque<ByteBuffer> free = new java.util.concurrent.ConcurrentLinkedDeque<>();

        DirectBufferPool(int max) {
            this.max = max;
        }

        ByteBuffer acquire(int capacity) {
            for (java.util.Iterator<ByteBuffer> it = free.iterator(); it.hasNext();) {
                ByteBuffer b = it.next();
                if (b.capacity() == capacity && free.removeFirstOccurrence(b)) {
                    return b.clear();
                }
            }
            return ByteBuffer.allocateDirect(capacity);
        }

        void release(ByteBuffer b) {
            if (free.size() < max) {
                free.addFirst(b);
            }
        }
    }
}
