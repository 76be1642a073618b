package io.llumnix.llumlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination's listener for KV data connections ({@link KvWire}). A {@link MigrationInHandler} that
 * agreed to a data channel registers under a ticket, which the RESERVED reply hands to the source; each accepted
 * connection names its ticket and lane in its hello and is then served by that handler: bulk lanes on
 * nice-19 platform threads (when configured), the urgent lane (the last stage, downtime) on a platform thread at
 * normal priority (a platform thread blocked in a read is woken by the kernel directly; a virtual one takes a
 * second hand-off through the poller, which is downtime).
 *
 * <p>Thread-safe. Closing stops accepting and closes every open connection.
 */
final class KvDataServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvDataServer.class);

    private final ServerSocketChannel server;
    private final String address;
    private final Map<Long, MigrationInHandler> handlers = new ConcurrentHashMap<>();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService bulk;
    private final ExecutorService urgent = Executors.newCachedThreadPool(BackgroundPriority.urgentThreadFactory("kv-in-urgent"));
    private final Thread acceptor;
    private volatile boolean closed;

    KvDataServer(String host, boolean idlePriorityBulk) {
        try {
            this.server = ServerSocketChannel.open().bind(new InetSocketAddress(host, 0));
            this.address = host + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the KV data listener on " + host + ": " + e.getMessage(), e);
        }
        this.bulk = Executors.newCachedThreadPool(idlePriorityBulk
                ? BackgroundPriority.threadFactory("kv-in")
                : Thread.ofPlatform().daemon(true).name("kv-in-", 0).factory());
        this.acceptor = Thread.ofPlatform().daemon(true).name("kv-accept").start(this::acceptLoop);
    }

    /** Where sources connect: {@code host:port}. */
    String address() {
        return address;
    }

    /** Registers a migration stream; returns its ticket. */
    long register(MigrationInHandler handler) {
        while (true) {
            long ticket = ThreadLocalRandom.current().nextLong();
            if (ticket != 0 && handlers.putIfAbsent(ticket, handler) == null) {
                return ticket;
            }
        }
    }

    void unregister(long ticket) {
        handlers.remove(ticket);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("KV data listener failed: {}", e.toString());
                }
                return;
            }
            open.add(ch);
            Thread.ofVirtual().name("kv-hello").start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        try {
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer hello = ByteBuffer.allocate(KvWire.HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (!KvWire.readFully(ch, hello)) {
                close(ch);
                return;
            }
            hello.flip();
            int magic = hello.getInt();
            long ticket = hello.getLong();
            int lane = hello.getInt();
            MigrationInHandler h = handlers.get(ticket);
            if ((magic != KvWire.MAGIC && magic != KvWire.MAGIC_SHM) || h == null || lane < 0 || lane >= KvWire.Lane.values().length) {
                log.info("closing a KV data connection with an unknown ticket or bad hello");
                close(ch);
                return;
            }
            Optional<KvShm> shm = magic == KvWire.MAGIC_SHM ? mapShared(ch) : Optional.empty();
            Runnable receive = () -> {
                try {
                    h.receive(ch, shm);
                } finally {
                    shm.ifPresent(KvShm::close);
                    close(ch);
                }
            };
            if (KvWire.Lane.values()[lane] == KvWire.Lane.BULK) {
                bulk.execute(receive);
            } else {
                urgent.execute(receive);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("KV data connection failed before its hello: {}", e.toString());
            close(ch);
        }
    }

    /**
     * Reads the rest of a shared-memory hello, maps the source's area if it is on this host, and answers whether it
     * did (the source then sends frames inline).
     */
    private static Optional<KvShm> mapShared(SocketChannel ch) throws IOException {
        ByteBuffer extra = KvWire.readExactly(ch, KvWire.HELLO_SHM_EXTRA_BYTES, "in its hello");
        long nonce = extra.getLong();
        long size = extra.getLong();
        int pathBytes = extra.getInt();
        if (pathBytes <= 0 || pathBytes > KvWire.MAX_PATH_BYTES) {
            throw new IOException("bad shared-memory path length " + pathBytes);
        }
        ByteBuffer path = KvWire.readExactly(ch, pathBytes, "in its hello");
        Optional<KvShm> shm = KvShm.open(new String(path.array(), java.nio.charset.StandardCharsets.UTF_8), nonce, size);
        try {
            KvWire.writeFully(ch, ByteBuffer.wrap(new byte[] {(byte) (shm.isPresent() ? 1 : 0)}));
        } catch (IOException e) {
            shm.ifPresent(KvShm::close);
            throw e;
        }
        return shm;
    }

    private void close(SocketChannel ch) {
        open.remove(ch);
        try {
            ch.close();
        } catch (IOException ignored) {
            // only the descriptor to release
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(this::close);
        bulk.shutdownNow();
        urgent.shutdownNow();
        acceptor.interrupt();
    }
}
