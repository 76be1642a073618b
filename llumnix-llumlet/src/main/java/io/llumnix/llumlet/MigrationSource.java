package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.sched.DetachedRequest;
import io.llumnix.engine.sched.MigratingRequest;
import io.llumnix.engine.sched.MigrationTicket;
import io.llumnix.proto.AbortMigration;
import io.llumnix.proto.AbortRequest;
import io.llumnix.proto.Begin;
import io.llumnix.proto.Commit;
import io.llumnix.proto.LlumletGrpc;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.proto.Reserve;
import io.llumnix.proto.Stage;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Migrates one request out of this instance with the staged protocol. Stage 0 copies every full, computed
 * block while the request keeps decoding; each later stage copies the blocks filled during the previous one.
 * When few blocks remain (or the stage limit is reached) the request leaves the batch, the rest of its KV
 * and its state go over, and the destination installs it: only that last stage is downtime. Any failure
 * before the destination commits puts the request back into this instance's batch, so nothing is lost.
 *
 * <p>{@link #migrate} blocks; run it on a virtual thread. Thread-safe (no shared mutable state).
 */
final class MigrationSource {

    private static final Logger log = LoggerFactory.getLogger(MigrationSource.class);

    private final LlmEngine engine;
    private final String instanceId;
    private final MigrationConfig config;
    private final LlumletChannels channels;
    private final Clock clock;

    MigrationSource(LlmEngine engine, String instanceId, MigrationConfig config, LlumletChannels channels, Clock clock) {
        this.engine = requireNonNull(engine, "engine is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.config = requireNonNull(config, "config is null");
        this.channels = requireNonNull(channels, "channels is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    MigrationOutcome migrate(String requestId, String dstAddress, boolean recompute) {
        long t0 = clock.nanoTime();
        Optional<MigrationTicket> ticket;
        try {
            ticket = onStep(c -> c.beginMigrationOut(requestId));
        } catch (MigrationAbort e) {
            return outcome(requestId, MigrationOutcome.Result.SKIPPED, e.getMessage(), 0, 0, 0, 0, t0);
        }
        if (ticket.isEmpty()) {
            return outcome(requestId, MigrationOutcome.Result.SKIPPED, "not running here or already migrating", 0, 0, 0, 0, t0);
        }
        Attempt attempt = new Attempt(ticket.get(), dstAddress, recompute, t0);
        try {
            return attempt.run();
        } catch (MigrationAbort e) {
            attempt.rollBack(e.getMessage());
            return outcome(requestId, MigrationOutcome.Result.ABORTED, e.getMessage(), attempt.stages, attempt.blocksMoved, attempt.bytesMoved, 0, t0);
        } catch (RuntimeException e) {
            log.warn("migration of {} to {} failed", requestId, dstAddress, e);
            attempt.rollBack(e.toString());
            return outcome(requestId, MigrationOutcome.Result.ABORTED, e.toString(), attempt.stages, attempt.blocksMoved, attempt.bytesMoved, 0, t0);
        }
    }

    /** One migration's mutable progress. */
    private final class Attempt {
        final MigrationTicket ticket;
        final String dstAddress;
        final boolean recompute;
        final long t0;
        final Handshake hs;
        final KvCacheStorage storage;
        int stages;
        long blocksMoved;
        long bytesMoved;
        Optional<DetachedRequest> detached = Optional.empty();
        boolean committed;

        Attempt(MigrationTicket ticket, String dstAddress, boolean recompute, long t0) {
            this.ticket = ticket;
            this.dstAddress = dstAddress;
            this.recompute = recompute || engine.kvStorage().isEmpty();
            this.t0 = t0;
            this.hs = new Handshake(config.stepTimeout());
            this.storage = engine.kvStorage().orElse(null);
        }

        MigrationOutcome run() throws MigrationAbort {
            LlumletGrpc.newStub(channels.channel(dstAddress)).migrateIn(hs);
            int blockSize = engine.config().blockSize();
            hs.send(MigrateInMessage.newBuilder().setBegin(Begin.newBuilder()
                    .setRequestId(ticket.requestId())
                    .setSrcInstanceId(instanceId)
                    .setBlockSize(blockSize)
                    .setNumLayers(storage == null ? 0 : storage.numLayers())
                    .setBlockFloats(storage == null ? 0 : storage.blockFloats())
                    .setTotalTokens(ticket.numTokens())).build());
            hs.expect(MigrateInReply.Kind.RESERVED);

            int sent = 0;
            if (!recompute && ticket.wasRunning()) {
                for (int stage = 0; stage < config.maxStages(); stage++) {
                    int from = sent;
                    int[] pinned = onStep(c -> c.pinComputedBlocks(ticket, from))
                            .orElseThrow(() -> new MigrationAbort("the request finished, was preempted or aborted during stage " + from));
                    try {
                        if (pinned.length == 0 || (stage > 0 && pinned.length <= config.lastStageMaxBlocks())) {
                            break;
                        }
                        sendStage(stage, sent, pinned);
                    } finally {
                        engine.onStepThread(c -> {
                            c.unpin(pinned);
                            return null;
                        });
                    }
                    sent += pinned.length;
                    stages++;
                }
            }

            DetachedRequest d = onStep(c -> c.detachForMigration(ticket))
                    .orElseThrow(() -> new MigrationAbort("the request finished, was preempted or aborted before the last stage"));
            detached = Optional.of(d);
            MigratingRequest state = d.state();
            boolean lastStage = false;
            if (recompute) {
                state = state.forRecompute();
            } else {
                int total = engine.blocksFor(state.numComputed());
                if (total > sent) {
                    // Downtime: reservation, the last blocks and the commit go out back to back and the replies
                    // are checked afterwards, one round trip instead of three. The destination handles a stream's
                    // messages in order and ignores everything after a refusal, so a refused reservation still
                    // aborts cleanly (we then see REFUSED where RESERVED was expected).
                    streamStage(stages, sent, Arrays.copyOfRange(d.blockTable(), sent, total));
                    lastStage = true;
                }
            }
            hs.send(MigrateInMessage.newBuilder().setCommit(Commit.newBuilder().setState(ProtoMapping.toProto(state))).build());
            if (lastStage) {
                awaitStage();
            }
            MigrateInReply reply = hs.expect(MigrateInReply.Kind.COMMITTED);
            committed = true;
            long downtime = clock.nanoTime() - d.detachedAtNanos();
            try {
                onStep(c -> {
                    c.completeMigrationOut(d, reply.getInstanceId(), reply.getApiAddress());
                    return Boolean.TRUE;
                });
            } catch (MigrationAbort | RuntimeException e) {
                // Aborted here during the last stage: the destination must not run it on.
                log.info("request {} was aborted while committing its migration; aborting it on {}", ticket.requestId(), dstAddress);
                abortOnDestination();
            }
            hs.complete();
            return outcome(ticket.requestId(), MigrationOutcome.Result.COMMITTED, "", stages, blocksMoved, bytesMoved, downtime, t0);
        }

        /** One copy stage while the request keeps decoding: reserve (the destination may refuse), send, await. */
        private void sendStage(int stage, int firstBlock, int[] physical) throws MigrationAbort {
            hs.send(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(physical.length)).build());
            hs.expect(MigrateInReply.Kind.RESERVED);
            sendBlocks(stage, firstBlock, physical);
            hs.expect(MigrateInReply.Kind.STAGE_DONE);
        }

        /** A stage whose replies {@link #awaitStage} checks later: the reservation and the blocks, unacknowledged. */
        private void streamStage(int stage, int firstBlock, int[] physical) throws MigrationAbort {
            hs.send(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(physical.length)).build());
            sendBlocks(stage, firstBlock, physical);
        }

        private void awaitStage() throws MigrationAbort {
            hs.expect(MigrateInReply.Kind.RESERVED);
            hs.expect(MigrateInReply.Kind.STAGE_DONE);
        }

        /** The blocks of every layer, fused into messages of at most {@code maxMessageBytes}. */
        private void sendBlocks(int stage, int firstBlock, int[] physical) throws MigrationAbort {
            int blockFloats = storage.blockFloats();
            int perMessage = Math.max(1, config.maxMessageBytes() / (blockFloats * Float.BYTES));
            float[] buf = new float[Math.min(perMessage, physical.length) * blockFloats];
            int layers = storage.numLayers();
            for (int layer = 0; layer < layers; layer++) {
                for (int off = 0; off < physical.length; off += perMessage) {
                    int n = Math.min(perMessage, physical.length - off);
                    int[] group = Arrays.copyOfRange(physical, off, off + n);
                    storage.readBlocks(layer, group, buf);
                    boolean last = layer == layers - 1 && off + n >= physical.length;
                    hs.send(MigrateInMessage.newBuilder().setStage(Stage.newBuilder()
                            .setStage(stage)
                            .setLayer(layer)
                            .setFirstBlock(firstBlock + off)
                            .setNumBlocks(n)
                            .setData(KvCodec.encode(buf, n * blockFloats))
                            .setLastLayer(last)).build());
                    bytesMoved += (long) n * blockFloats * Float.BYTES;
                }
            }
            blocksMoved += physical.length;
        }

        void rollBack(String reason) {
            if (!committed) {
                try {
                    hs.send(MigrateInMessage.newBuilder().setAbort(AbortMigration.newBuilder().setReason(reason)).build());
                } catch (MigrationAbort | RuntimeException ignored) {
                    // The stream is already broken; the destination frees its reservation when it notices.
                }
                hs.cancel(reason);
            }
            engine.onStepThread(c -> {
                detached.ifPresentOrElse(d -> {
                    if (!committed) {
                        c.reinstate(d);
                    }
                }, () -> c.endMigrationOut(ticket));
                return null;
            });
        }

        private void abortOnDestination() {
            try {
                LlumletGrpc.newBlockingStub(channels.channel(dstAddress))
                        .withDeadlineAfter(config.stepTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .abort(AbortRequest.newBuilder().setRequestId(ticket.requestId()).build());
            } catch (RuntimeException e) {
                log.warn("could not abort {} on {}: {}", ticket.requestId(), dstAddress, e.toString());
            }
        }
    }

    private <T> T onStep(Function<io.llumnix.engine.sched.EngineCore, T> action) throws MigrationAbort {
        CompletableFuture<T> f = engine.onStepThread(action);
        try {
            return f.get(config.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationAbort("interrupted");
        } catch (ExecutionException e) {
            throw new MigrationAbort("engine refused: " + e.getCause());
        } catch (TimeoutException e) {
            throw new MigrationAbort("engine did not answer within " + config.stepTimeout().toMillis() + " ms");
        }
    }

    private MigrationOutcome outcome(String id, MigrationOutcome.Result r, String reason, int stages, long blocks, long bytes, long downtime,
            long t0) {
        return new MigrationOutcome(id, r, reason, stages, blocks, bytes, downtime, clock.nanoTime() - t0);
    }
}
