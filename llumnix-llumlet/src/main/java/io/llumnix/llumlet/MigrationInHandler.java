package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.grpc.stub.StreamObserver;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.proto.Begin;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.proto.Stage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination's end of one migration stream: reserves blocks when asked (and refuses when full),
 * writes each stage's fused KV straight into the reserved blocks (no sequence uses them yet, so the step
 * thread never touches them), and installs the request on commit. A stream that ends any other way — abort,
 * cancel, error, a dead source, a data connection dropped before the commit — releases the reservation: a
 * failed migration leaks nothing here.
 *
 * <p>KV arrives either in the stream's {@code Stage} messages or, when the source asked for it and a
 * {@link KvDataServer} runs here, on data connections ({@link KvWire}) served by {@link #receive}. A frame may
 * arrive before the gRPC thread has handled the reservation that covers it (the last stage sends both back to
 * back); it then waits for that reservation, and the commit waits until every byte the source sent is written.
 *
 * <p>Thread-safe: gRPC delivers the stream's messages serially and data connections run on their own threads;
 * every method that touches the reservation holds this object's monitor (waits release it). gRPC handlers run
 * on virtual threads, so the blocking waits on the step thread are fine.
 */
final class MigrationInHandler implements StreamObserver<MigrateInMessage> {

    private static final Logger log = LoggerFactory.getLogger(MigrationInHandler.class);

    private final LlmEngine engine;
    private final String instanceId;
    private final String apiAddress;
    private final MigrationConfig config;
    private final Semaphore slots;
    private final StreamObserver<MigrateInReply> replies;
    private final Optional<KvDataServer> dataServer;
    private final List<SocketChannel> dataLinks = new ArrayList<>();
    private long ticket;
    private long dataBytes;
    private int installedBlocks;
    /** System.nanoTime() when the request joined the running queue (written on the step thread, read after the install). */
    private volatile long installedAtNanos;
    private String requestId = "";
    private boolean haveSlot;
    private int[] reserved = new int[0];
    private float[] buf = new float[0];
    private boolean finished;

    MigrationInHandler(LlmEngine engine, String instanceId, String apiAddress, MigrationConfig config, Semaphore slots,
            StreamObserver<MigrateInReply> replies, Optional<KvDataServer> dataServer) {
        this.engine = requireNonNull(engine, "engine is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.apiAddress = requireNonNull(apiAddress, "apiAddress is null");
        this.config = requireNonNull(config, "config is null");
        this.slots = requireNonNull(slots, "slots is null");
        this.replies = requireNonNull(replies, "replies is null");
        this.dataServer = requireNonNull(dataServer, "dataServer is null");
    }

    @Override
    public synchronized void onNext(MigrateInMessage message) {
        if (finished) {
            return;
        }
        try {
            switch (message.getKindCase()) {
                case BEGIN -> begin(message.getBegin());
                case RESERVE -> reserve(message.getReserve().getNumBlocks());
                case STAGE -> stage(message.getStage());
                case COMMIT -> commit(message);
                case ABORT -> release("source aborted: " + message.getAbort().getReason(), false);
                case KIND_NOT_SET -> refuse("empty message");
            }
        } catch (RuntimeException e) {
            log.warn("migration in of {} failed", requestId, e);
            refuse(e.toString());
        }
    }

    private void begin(Begin b) {
        requestId = b.getRequestId();
        Optional<KvCacheStorage> storage = engine.kvStorage();
        if (b.getBlockSize() != engine.config().blockSize()) {
            refuse("block size " + b.getBlockSize() + " differs from ours (" + engine.config().blockSize() + ")");
            return;
        }
        if (b.getNumLayers() > 0 && (storage.isEmpty() || storage.get().numLayers() != b.getNumLayers()
                || storage.get().blockFloats() != b.getBlockFloats())) {
            refuse("KV geometry differs (layers " + b.getNumLayers() + ", block floats " + b.getBlockFloats() + ")");
            return;
        }
        if (b.getTotalTokens() + 1 > engine.config().maxModelLen()) {
            refuse("request of " + b.getTotalTokens() + " tokens exceeds our context window");
            return;
        }
        if (!slots.tryAcquire()) {
            refuse("no free migrate-in slot");
            return;
        }
        haveSlot = true;
        MigrateInReply.Builder reply = MigrateInReply.newBuilder().setKind(MigrateInReply.Kind.RESERVED);
        if (b.getDataChannel() && dataServer.isPresent() && b.getNumLayers() > 0) {
            ticket = dataServer.get().register(this);
            reply.setDataAddress(dataServer.get().address()).setDataTicket(ticket);
        }
        reply(reply.build());
    }

    private void reserve(int n) {
        if (!haveSlot) {
            refuse("reserve before begin");
            return;
        }
        Optional<int[]> got = onStep(engine.onStepThread(c -> c.reserveBlocks(n, config.watermarkBlocks())));
        if (got.isEmpty()) {
            refuse("not enough free KV blocks for " + n + " more");
            return;
        }
        int[] more = got.get();
        int old = reserved.length;
        reserved = Arrays.copyOf(reserved, old + more.length);
        System.arraycopy(more, 0, reserved, old, more.length);
        notifyAll();
        reply(MigrateInReply.Kind.RESERVED, "", reserved.length);
    }

    private void stage(Stage s) {
        KvCacheStorage storage = engine.kvStorage().orElseThrow(() -> new IllegalStateException("this instance has no KV storage"));
        int first = s.getFirstBlock();
        int n = s.getNumBlocks();
        if (first < 0 || n <= 0 || first + n > reserved.length) {
            refuse("stage covers blocks " + first + ".." + (first + n) + " but only " + reserved.length + " are reserved");
            return;
        }
        int floats = n * storage.blockFloats();
        if (buf.length < floats) {
            buf = new float[floats];
        }
        int got = KvCodec.decode(s.getData(), buf);
        if (got != floats) {
            refuse("stage carries " + got + " floats, expected " + floats);
            return;
        }
        storage.writeBlocks(s.getLayer(), Arrays.copyOfRange(reserved, first, first + n), buf);
        if (s.getLastLayer()) {
            reply(MigrateInReply.Kind.STAGE_DONE, "", reserved.length);
        }
    }

    private void commit(MigrateInMessage message) {
        var state = ProtoMapping.fromProto(message.getCommit().getState());
        if (install(state, message.getCommit().getDataBytes(), Optional.empty())) {
            closeData();
            committed();
        }
    }

    /**
     * Waits until {@code expected} KV bytes have been written, then installs the request in the reserved blocks;
     * false (after refusing) when the bytes never came or the migration ended meanwhile. With {@code replyTo}, the
     * step thread writes the COMMITTED answer there right after the install, before it steps again (the request's
     * first step here would otherwise compete with the answer for the cores, lengthening the downtime).
     */
    private boolean install(io.llumnix.engine.sched.MigratingRequest state, long expected, Optional<SocketChannel> replyTo) {
        long deadline = System.nanoTime() + config.stepTimeout().toNanos();
        while (!finished && dataBytes < expected) {
            if (!await(deadline)) {
                refuse("only " + dataBytes + " of " + expected + " KV bytes arrived on the data connection");
                return false;
            }
        }
        if (finished) {
            return false;
        }
        MigrationTrace.mark("dst.bytesHere", requestId);
        int[] table = reserved;
        installedBlocks = table.length;
        Runnable answer = () -> installedAtNanos = System.nanoTime();
        if (replyTo.isPresent()) {
            // On the step thread, before it steps again: a tiny write into an empty socket buffer, it does not block.
            answer = () -> {
                installedAtNanos = System.nanoTime();
                MigrationTrace.mark("dst.installed", requestId);
                writeQuietly(replyTo.get(), encode(committedReply()));
            };
        }
        onStep(engine.installMigrated(state, table, answer));
        reserved = new int[0];
        finished = true;
        releaseSlot();
        return true;
    }

    private MigrateInReply committedReply() {
        return MigrateInReply.newBuilder()
                .setKind(MigrateInReply.Kind.COMMITTED)
                .setApiAddress(apiAddress)
                .setInstanceId(instanceId)
                .setBlocksReserved(installedBlocks)
                .setInstalledAtNanos(installedAtNanos)
                .build();
    }

    /** Tells the stream (too) and ends it. */
    private void committed() {
        try {
            replies.onNext(committedReply());
            replies.onCompleted();
        } catch (RuntimeException e) {
            // A source that committed over the data connection may have closed the stream already.
            log.debug("stream of {} gone after the commit: {}", requestId, e.toString());
        }
    }

    /** A commit frame on the urgent data connection: install, answer on that connection, then close everything. */
    private synchronized void commitFromData(io.llumnix.engine.sched.MigratingRequest state, long expected, SocketChannel ch) {
        if (finished) {
            return;
        }
        try {
            if (!install(state, expected, Optional.of(ch))) {
                return;
            }
        } catch (RuntimeException e) {
            log.warn("migration in of {} failed at the commit", requestId, e);
            refuse(e.toString());
            return;
        }
        closeData();
        committed();
    }

    private static ByteBuffer encode(MigrateInReply reply) {
        byte[] body = reply.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(Integer.BYTES + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(body.length).put(body).flip();
        return b;
    }

    private void writeQuietly(SocketChannel ch, ByteBuffer reply) {
        try {
            KvWire.writeFully(ch, reply);
        } catch (IOException e) {
            // Installed already: the source sees the COMMITTED on the stream, or aborts the request here if it gave up.
            log.info("could not answer the commit of {} on the data connection: {}", requestId, e.toString());
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        release("stream failed: " + t, false);
    }

    @Override
    public synchronized void onCompleted() {
        if (!finished) {
            release("stream ended before commit", true);
        }
    }

    private void refuse(String reason) {
        log.info("refusing migration of {}: {}", requestId, reason);
        reply(MigrateInReply.Kind.REFUSED, reason, reserved.length);
        release(reason, true);
    }

    private void release(String reason, boolean complete) {
        if (finished) {
            return;
        }
        finished = true;
        int[] toFree = reserved;
        reserved = new int[0];
        if (toFree.length > 0) {
            engine.onStepThread(c -> {
                c.unpin(toFree);
                return null;
            });
        }
        releaseSlot();
        closeData();
        notifyAll();
        log.debug("migration in of {} released: {}", requestId, reason);
        if (complete) {
            try {
                replies.onCompleted();
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }
    }

    private void releaseSlot() {
        if (haveSlot) {
            haveSlot = false;
            slots.release();
        }
    }

    private void reply(MigrateInReply.Kind kind, String reason, int reservedBlocks) {
        reply(MigrateInReply.newBuilder().setKind(kind).setReason(reason).setBlocksReserved(reservedBlocks).build());
    }

    private void reply(MigrateInReply message) {
        try {
            replies.onNext(message);
        } catch (RuntimeException e) {
            release("reply failed: " + e, false);
        }
    }

    /**
     * Serves one data connection until it ends: reads each frame into a direct buffer and writes it into the
     * reserved blocks. A connection that fails or closes before the commit refuses the migration (which frees the
     * reservation); after the commit or a release its end is expected. Runs on the connection's own thread.
     */
    void receive(SocketChannel ch, Optional<KvShm> shm) {
        synchronized (this) {
            if (finished) {
                return;
            }
            dataLinks.add(ch);
        }
        ByteBuffer header = ByteBuffer.allocateDirect(KvWire.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer payload = ByteBuffer.allocateDirect(0);
        MemorySegment payloadSegment = MemorySegment.ofBuffer(payload);
        ByteBuffer ack = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            KvCacheStorage storage = engine.kvStorage().orElseThrow(() -> new IllegalStateException("this instance has no KV storage"));
            long blockBytes = (long) storage.blockFloats() * Float.BYTES;
            while (true) {
                header.clear();
                if (!KvWire.readFully(ch, header)) {
                    dataEnded("data connection closed before the commit");
                    return;
                }
                header.flip();
                int layer = header.getInt();
                int first = header.getInt();
                int n = header.getInt();
                int flags = header.getInt();
                if (MigrationTrace.ON) {
                    MigrationTrace.mark("dst.header", requestId + " flags=" + flags + " n=" + n);
                }
                if ((flags & KvWire.COMMIT) != 0) {
                    receiveCommit(ch);
                    return;
                }
                long bytes = n * blockBytes;
                if (n <= 0 || bytes > KvWire.MAX_FRAME_BYTES || layer < 0 || layer >= storage.numLayers()) {
                    dataEnded("bad data frame: layer " + layer + ", " + n + " blocks");
                    return;
                }
                if ((flags & KvWire.SHM) != 0) {
                    if (shm.isEmpty()) {
                        dataEnded("a shared-memory frame on a connection without shared memory");
                        return;
                    }
                    long offset = (long) (flags >>> KvWire.OFFSET_SHIFT) * KvShm.ALIGN;
                    if (!writeFrame(storage, layer, first, n, (flags & KvWire.LAST_OF_STAGE) != 0, shm.get().region(offset, bytes))) {
                        return;
                    }
                    ack.clear();
                    KvWire.writeFully(ch, ack.putInt(KvWire.ACK).flip());
                    continue;
                }
                if (payload.capacity() < bytes) {
                    payload = ByteBuffer.allocateDirect((int) bytes);
                    payloadSegment = MemorySegment.ofBuffer(payload);
                }
                payload.clear().limit((int) bytes);
                if (!KvWire.readFully(ch, payload)) {
                    throw new java.io.EOFException("data connection closed after a frame header");
                }
                if (!writeFrame(storage, layer, first, n, (flags & KvWire.LAST_OF_STAGE) != 0, payloadSegment.asSlice(0, bytes))) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            dataEnded("data connection failed: " + e);
        }
    }

    private void receiveCommit(SocketChannel ch) throws IOException {
        ByteBuffer meta = KvWire.readExactly(ch, KvWire.COMMIT_META_BYTES, "after a commit header");
        int len = meta.getInt();
        long expected = meta.getLong();
        int numTokens = meta.getInt();
        if (len < 0 || len > KvWire.MAX_MESSAGE_BYTES || numTokens < 0 || numTokens > KvWire.MAX_COMMIT_TOKENS) {
            dataEnded("bad commit frame of " + len + " bytes and " + numTokens + " tokens");
            return;
        }
        ByteBuffer body = KvWire.readExactly(ch, len + numTokens * Integer.BYTES, "in the middle of a commit");
        int[] tokens = new int[numTokens];
        body.slice(len, numTokens * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(tokens);
        MigrationTrace.mark("dst.commitRead", requestId);
        commitFromData(ProtoMapping.fromProto(io.llumnix.proto.RequestState.parseFrom(body.limit(len)), tokens), expected, ch);
    }

    /** Writes one frame once its blocks are reserved; false when the migration has ended (or just failed). */
    private synchronized boolean writeFrame(KvCacheStorage storage, int layer, int first, int n, boolean lastOfStage, MemorySegment data) {
        long deadline = System.nanoTime() + config.stepTimeout().toNanos();
        while (!finished && first + n > reserved.length) {
            if (first < 0 || !await(deadline)) {
                refuse("data frame covers blocks " + first + ".." + (first + n) + " but only " + reserved.length + " are reserved");
                return false;
            }
        }
        if (finished) {
            return false;
        }
        // Under the monitor, so a concurrent release cannot free (and hand out) these blocks mid-write.
        storage.writeBlocks(layer, Arrays.copyOfRange(reserved, first, first + n), data);
        dataBytes += data.byteSize();
        if (lastOfStage) {
            reply(MigrateInReply.Kind.STAGE_DONE, "", reserved.length);
        }
        notifyAll();
        return true;
    }

    private synchronized void dataEnded(String reason) {
        if (!finished) {
            refuse(reason);
        }
    }

    /** Waits on this monitor until notified or {@code deadline}; false once the deadline has passed. */
    private boolean await(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            wait(Math.max(1, left / 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void closeData() {
        if (ticket != 0) {
            dataServer.ifPresent(s -> s.unregister(ticket));
            ticket = 0;
        }
        for (SocketChannel ch : dataLinks) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the descriptor is gone either way
            }
        }
        dataLinks.clear();
    }

    private <T> T onStep(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(config.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("engine refused: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("engine did not answer in time", e);
        }
    }
}
