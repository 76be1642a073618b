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

/**
 * The source's end of one KV data connection ({@link KvWire}): copies each layer's blocks straight from the KV
 * pages into one direct buffer (bulk copies, no per-float loop, no protobuf) and writes it to the socket. Blocking;
 * one thread at a time. {@link #close} from another thread aborts a blocked write.
 */
final class KvDataLink implements AutoCloseable {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Frame buffers outlive links: allocating (and zeroing) megabytes per migration is CPU the engine's step pays for. */
    private static final DirectBufferPool BUFFERS = new DirectBufferPool(8);

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocateDirect(KvWire.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer payload;
    /** The whole payload buffer (a view taken once: {@code ofBuffer} covers only position to limit). */
    private final MemorySegment buffer;

    private KvDataLink(SocketChannel channel, int frameBytes) {
        this.channel = requireNonNull(channel, "channel is null");
        this.payload = BUFFERS.acquire(frameBytes);
        this.buffer = MemorySegment.ofBuffer(payload);
    }

    /** Connects to {@code host:port} and introduces itself as {@code lane} of the stream holding {@code ticket}. */
    static KvDataLink connect(String address, long ticket, KvWire.Lane lane, int frameBytes) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IOException("bad data address " + address);
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
            KvWire.writeFully(ch, KvWire.hello(ticket, lane));
            return new KvDataLink(ch, frameBytes);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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
        int perFrame = Math.max(1, payload.capacity() / blockBytes);
        if (perFrame * blockBytes > payload.capacity()) {
            throw new IllegalStateException("a KV block of " + blockBytes + " bytes exceeds the frame buffer of " + payload.capacity());
        }
        int layers = storage.numLayers();
        long sent = 0;
        for (int layer = 0; layer < layers; layer++) {
            for (int off = 0; off < physical.length; off += perFrame) {
                int n = Math.min(perFrame, physical.length - off);
                int bytes = n * blockBytes;
                boolean last = layer == layers - 1 && off + n >= physical.length;
                storage.readBlocks(layer, Arrays.copyOfRange(physical, off, off + n), buffer.asSlice(0, bytes));
                header.clear();
                header.putInt(layer).putInt(firstBlock + off).putInt(n).putInt(last ? KvWire.LAST_OF_STAGE : 0).flip();
                payload.clear().limit(bytes);
                KvWire.writeFully(channel, header, payload);
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
        ByteBuffer len = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (!KvWire.readFully(channel, len)) {
            throw new EOFException("the destination closed the data connection instead of committing");
        }
        int n = len.flip().getInt();
        if (n < 0 || n > KvWire.MAX_MESSAGE_BYTES) {
            throw new IOException("bad reply length " + n);
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        if (n > 0 && !KvWire.readFully(channel, body)) {
            throw new EOFException("the data connection closed in the middle of the reply");
        }
        return MigrateInReply.parseFrom(body.flip());
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
            BUFFERS.release(payload);
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
