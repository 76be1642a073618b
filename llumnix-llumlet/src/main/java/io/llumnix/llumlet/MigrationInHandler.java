package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.grpc.stub.StreamObserver;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.proto.Begin;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.proto.Stage;
import java.util.Arrays;
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
 * cancel, error, a dead source — releases the reservation: a failed migration leaks nothing here.
 *
 * <p>gRPC delivers one stream's messages serially; the server runs handlers on virtual threads, so the
 * blocking waits on the step thread are fine.
 */
final class MigrationInHandler implements StreamObserver<MigrateInMessage> {

    private static final Logger log = LoggerFactory.getLogger(MigrationInHandler.class);

    private final LlmEngine engine;
    private final String instanceId;
    private final String apiAddress;
    private final MigrationConfig config;
    private final Semaphore slots;
    private final StreamObserver<MigrateInReply> replies;
    private String requestId = "";
    private boolean haveSlot;
    private int[] reserved = new int[0];
    private float[] buf = new float[0];
    private boolean finished;

    MigrationInHandler(LlmEngine engine, String instanceId, String apiAddress, MigrationConfig config, Semaphore slots,
            StreamObserver<MigrateInReply> replies) {
        this.engine = requireNonNull(engine, "engine is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.apiAddress = requireNonNull(apiAddress, "apiAddress is null");
        this.config = requireNonNull(config, "config is null");
        this.slots = requireNonNull(slots, "slots is null");
        this.replies = requireNonNull(replies, "replies is null");
    }

    @Override
    public void onNext(MigrateInMessage message) {
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
        reply(MigrateInReply.Kind.RESERVED, "", 0);
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
        int[] table = reserved;
        onStep(engine.installMigrated(state, table));
        reserved = new int[0];
        finished = true;
        releaseSlot();
        replies.onNext(MigrateInReply.newBuilder()
                .setKind(MigrateInReply.Kind.COMMITTED)
                .setApiAddress(apiAddress)
                .setInstanceId(instanceId)
                .setBlocksReserved(table.length)
                .build());
        replies.onCompleted();
    }

    @Override
    public void onError(Throwable t) {
        release("stream failed: " + t, false);
    }

    @Override
    public void onCompleted() {
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
        try {
            replies.onNext(MigrateInReply.newBuilder().setKind(kind).setReason(reason).setBlocksReserved(reservedBlocks).build());
        } catch (RuntimeException e) {
            release("reply failed: " + e, false);
        }
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
