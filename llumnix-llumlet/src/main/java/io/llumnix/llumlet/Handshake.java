package io.llumnix.llumlet;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The source's end of one {@code MigrateIn} stream, in blocking style for a virtual thread: {@link #send}
 * waits for gRPC flow control (so a large stage never piles up in memory) and {@link #await} waits for the
 * destination's next reply, each bounded by the step timeout.
 *
 * <p>One migration thread sends and awaits; gRPC threads deliver replies.
 */
final class Handshake implements ClientResponseObserver<MigrateInMessage, MigrateInReply> {

    private static final Object COMPLETED = new Object();

    private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final Object readyLock = new Object();
    private final Duration timeout;
    private volatile ClientCallStreamObserver<MigrateInMessage> requests;
    private boolean closed;

    Handshake(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<MigrateInMessage> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(() -> {
            synchronized (readyLock) {
                readyLock.notifyAll();
            }
        });
    }

    @Override
    public void onNext(MigrateInReply value) {
        replies.add(value);
    }

    @Override
    public void onError(Throwable t) {
        replies.add(t);
        synchronized (readyLock) {
            readyLock.notifyAll();
        }
    }

    @Override
    public void onCompleted() {
        replies.add(COMPLETED);
    }

    void send(MigrateInMessage message) throws MigrationAbort {
        ClientCallStreamObserver<MigrateInMessage> r = requests;
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (readyLock) {
            while (!r.isReady()) {
                if (!replies.isEmpty() && !(replies.peek() instanceof MigrateInReply)) {
                    throw new MigrationAbort("destination closed the stream: " + describe(replies.peek()));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MigrationAbort("timed out waiting to send to the destination");
                }
                try {
                    readyLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationAbort("interrupted");
                }
            }
        }
        r.onNext(message);
    }

    /**
     * Sends {@code message} only if the stream takes it now; false otherwise (flow control, or a stream the
     * destination already closed). For the abort on the way out, which must not wait: the cancel that follows ends the
     * stream either way, and the destination frees its reservation on any end.
     */
    boolean trySend(MigrateInMessage message) {
        ClientCallStreamObserver<MigrateInMessage> r = requests;
        if (closed || !r.isReady()) {
            return false;
        }
        try {
            r.onNext(message);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    MigrateInReply await() throws MigrationAbort {
        Object o;
        try {
            o = replies.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationAbort("interrupted");
        }
        if (o == null) {
            throw new MigrationAbort("timed out after " + timeout.toMillis() + " ms waiting for the destination");
        }
        if (o instanceof MigrateInReply reply) {
            return reply;
        }
        throw new MigrationAbort("destination unreachable or closed the stream: " + describe(o));
    }

    /** Expects a reply of one kind; anything else aborts with the destination's reason. */
    MigrateInReply expect(MigrateInReply.Kind kind) throws MigrationAbort {
        MigrateInReply reply = await();
        if (reply.getKind() != kind) {
            throw new MigrationAbort("destination answered " + reply.getKind() + (reply.getReason().isEmpty() ? "" : ": " + reply.getReason()));
        }
        return reply;
    }

    void complete() {
        if (!closed) {
            closed = true;
            requests.onCompleted();
        }
    }

    void cancel(String why) {
        if (!closed) {
            closed = true;
            requests.cancel(why, null);
        }
    }

    private static String describe(Object o) {
        return o == COMPLETED ? "completed" : String.valueOf(o);
    }
}
