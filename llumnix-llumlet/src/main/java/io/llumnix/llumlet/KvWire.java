package io.llumnix.llumlet;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * The format of a KV data connection between two llumlets, beside the {@code MigrateIn} gRPC stream that carries
 * the control messages. The source opens the connection and writes a hello that names the stream (its ticket)
 * and the lane, then frames: a 16-byte header and the KV of {@code numBlocks} consecutive logical blocks of one
 * layer as little-endian floats, exactly as {@code KvCacheStorage.readBlocks} lays them out. The destination
 * answers on the gRPC stream (STAGE_DONE after a frame flagged {@link #LAST_OF_STAGE}, REFUSED on any error) and
 * closes the connection when the migration ends either way.
 *
 * <p>The urgent lane may end with a commit frame (flag {@link #COMMIT}): the request's state, sent right after the
 * last blocks so that the downtime crosses no gRPC hops. The destination installs the request and answers on
 * that connection with a length-prefixed {@code MigrateInReply} (COMMITTED); on a refusal it closes it instead.
 *
 * <p>On one host the frames' payload may travel through shared memory instead ({@link KvShm}): the source's hello
 * then names a file in {@code /dev/shm}, the destination answers one byte (1: mapped, 0: send inline), and a frame
 * flagged {@link #SHM} has no payload on the socket: its blocks are in the area's ring at offset (flags' bits 8–31)
 * × {@link KvShm#ALIGN}. The destination acknowledges each such frame, in order, once it has copied it out (an int
 * −1 on the connection, which the source reads before it reuses that space, and skips while it waits for the commit's
 * reply).
 *
 * <pre>
 * hello:  int magic 'KVD1' | long ticket | int lane (0 bulk, 1 urgent)      all little-endian
 * hello (shared memory): int magic 'KVD2' | long ticket | int lane | long nonce | long fileBytes | int pathBytes | path (UTF-8)
 *         answer: byte 1 (mapped) or 0 (frames inline)                       destination to source
 * frame:  int layer | int firstBlock | int numBlocks | int flags | numBlocks × blockFloats × 4 bytes
 * commit: int 0 | int 0 | int 0 | int COMMIT | int stateBytes | long dataBytes | int numTokens
 *         | RequestState (protobuf, without its tokens) | numTokens × int token id
 * reply:  int length | MigrateInReply (protobuf)                            destination to source
 * ack:    int -1 (the oldest unacknowledged SHM frame was copied)             destination to source
 * </pre>
 */
final class KvWire {

    static final int MAGIC = 0x4B564431;
    static final int MAGIC_SHM = 0x4B564432;
    /** The rest of a shared-memory hello after its first {@link #HELLO_BYTES}: nonce, file size, path length. */
    static final int HELLO_SHM_EXTRA_BYTES = 20;
    static final int MAX_PATH_BYTES = 4096;
    static final int HELLO_BYTES = 16;
    static final int HEADER_BYTES = 16;
    static final int LAST_OF_STAGE = 1;
    static final int COMMIT = 2;
    /** The frame's payload is in the shared-memory ring at {@code (flags >>> OFFSET_SHIFT) × KvShm.ALIGN}, not on the socket. */
    static final int SHM = 4;
    static final int OFFSET_SHIFT = 8;
    static final int ACK = -1;
    static final int COMMIT_META_BYTES = 16;
    /** The most token ids a commit frame may carry. */
    static final int MAX_COMMIT_TOKENS = 4 * 1024 * 1024;
    /** The largest request state or reply accepted on the wire. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** The largest frame a destination accepts (the largest {@code maxMessageBytes} allowed). */
    static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    /** Which receiving thread serves a connection: copy stages that overlap decoding, or the last stage (downtime). */
    enum Lane {
        BULK,
        URGENT
    }

    private KvWire() {}

    static ByteBuffer hello(long ticket, Lane lane) {
        ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putLong(ticket).putInt(lane.ordinal()).flip();
        return b;
    }

    static ByteBuffer helloShm(long ticket, Lane lane, KvShm shm) {
        byte[] path = shm.path().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES + HELLO_SHM_EXTRA_BYTES + path.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC_SHM).putLong(ticket).putInt(lane.ordinal()).putLong(shm.nonce()).putLong(shm.size()).putInt(path.length).put(path).flip();
        return b;
    }

    /** Fills {@code buf} to its limit; false on a clean end of stream before the first byte, EOFException after it. */
    static boolean readFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        boolean any = false;
        while (buf.hasRemaining()) {
            int n = ch.read(buf);
            if (n < 0) {
                if (!any) {
                    return false;
                }
                throw new EOFException("data connection closed in the middle of a frame");
            }
            any |= n > 0;
        }
        return true;
    }

    /** Reads exactly {@code n} bytes into a new little-endian buffer, flipped for reading; EOF (with {@code what}) if the connection ends first. */
    static ByteBuffer readExactly(SocketChannel ch, int n, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        if (n > 0 && !readFully(ch, b)) {
            throw new EOFException("data connection closed " + what);
        }
        return b.flip();
    }

    static void writeFully(SocketChannel ch, ByteBuffer... bufs) throws IOException {
        long left = 0;
        for (ByteBuffer b : bufs) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= ch.write(bufs);
        }
    }
}
