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
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 * <p>KV goes over a data connection to the destination ({@link KvDataLink}) when the destination offers one,
 * otherwise in the stream's {@code Stage} messages. Copy stages that overlap decoding run on this source's
 * bulk-copy threads (nice 19 when configured, see {@link BackgroundPriority}); the last stage, downtime,
 * runs at normal priority.
 *
 * <p>{@link #migrate} blocks; run it on a thread of its own. Thread-safe (no shared mutable state besides the
 * bulk-copy pool).
 */
final class MigrationSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MigrationSource.class);
    private static final int BULK_FRAME_BYTES = 256 * 1024;

    private final LlmEngine engine;
    private final String instanceId;
    private final MigrationConfig config;
    private final LlumletChannels channels;
    private final Clock clock;
    private final ExecutorService bulkCopies;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("kv-out-watchdog").factory());

    MigrationSource(LlmEngine engine, String instanceId, MigrationConfig config, LlumletChannels channels, Clock clock) {
        this.engine = requireNonNull(engine, "engine is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.config = requireNonNull(config, "config is null");
        this.channels = requireNonNull(channels, "channels is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.bulkCopies = Executors.newCachedThreadPool(config.idlePriorityCopies()
                ? BackgroundPriority.threadFactory("kv-out")
                : Thread.ofPlatform().daemon(true).name("kv-out-", 0).factory());
    }

    @Override
    public void close() {
        bulkCopies.shutdownNow();
        watchdog.shutdownNow();
    }

    MigrationOutcome migrate(String requestId, String dstAddress, boolean recompute) {
        long t0 = clock.nanoTime();
        Optional<MigrationTicket> ticket;
        try {
            ticket = onStep(c -> c.beginMigrationOut(requestId));
        } catch (MigrationAbort e) {
            return outcome(requestId, MigrationOutcome.Result.SKIPPED, e.getMessage(), 0, 0, 0, 0, t0, 0);
        }
        if (ticket.isEmpty()) {
            return outcome(requestId, MigrationOutcome.Result.SKIPPED, "not running here or already migrating", 0, 0, 0, 0, t0, 0);
        }
        Attempt attempt = new Attempt(ticket.get(), dstAddress, recompute, t0);
        try {
            return attempt.run();
        } catch (MigrationAbort e) {
            attempt.rollBack(e.getMessage());
            return outcome(requestId, MigrationOutcome.Result.ABORTED, e.getMessage(), attempt.stages, attempt.blocksMoved, attempt.bytesMoved, 0, t0, attempt.detachedAt());
        } catch (RuntimeException e) {
            log.warn("migration of {} to {} failed", requestId, dstAddress, e);
            attempt.rollBack(e.toString());
            if (attempt.committed) {
                // The destination runs it (rollBack leaves it there): whatever failed in the cleanup, it moved.
                return outcome(requestId, MigrationOutcome.Result.COMMITTED, "", attempt.stages, attempt.blocksMoved, attempt.bytesMoved, 0, t0,
                        attempt.detachedAt());
            }
            return outcome(requestId, MigrationOutcome.Result.ABORTED, e.toString(), attempt.stages, attempt.blocksMoved, attempt.bytesMoved, 0, t0, attempt.detachedAt());
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
        long dataBytes;
        Optional<String> dataAddress = Optional.empty();
        long dataTicket;
        final Map<KvWire.Lane, KvDataLink> links = new EnumMap<>(KvWire.Lane.class);
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
                    .setTotalTokens(ticket.numTokens())
                    .setDataChannel(config.dataChannel() && !recompute && storage != null)).build());
            MigrateInReply begun = hs.expect(MigrateInReply.Kind.RESERVED);
            if (!begun.getDataAddress().isEmpty()) {
                dataAddress = Optional.of(begun.getDataAddress());
                dataTicket = begun.getDataTicket();
                // Connect now rather than during the downtime.
                link(KvWire.Lane.URGENT);
            }

            int sent = 0;
            int lastStageEstimate = 0;
            boolean live = !recompute && ticket.wasRunning() && config.maxStages() > 0;
            if (live) {
                // If the loop runs out of stages, at least the block being filled and the next one are left.
                lastStageEstimate = 2;
                for (int stage = 0; stage < config.maxStages(); stage++) {
                    int from = sent;
                    int[] pinned = onStep(c -> c.pinComputedBlocks(ticket, from))
                            .orElseThrow(() -> new MigrationAbort("the request finished, was preempted or aborted during stage " + from));
                    try {
                        if (pinned.length == 0 || (stage > 0 && pinned.length <= config.lastStageMaxBlocks())) {
                            lastStageEstimate = pinned.length + 2;
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
                // Reserve the last stage's blocks while the request still runs (the blocks computed but not sent,
                // the one being filled and one more for a step that may still end before the detach), so the
                // downtime usually needs no reservation round trip; the destination frees what the commit leaves unused.
                hs.send(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(lastStageEstimate)).build());
                hs.expect(MigrateInReply.Kind.RESERVED);
            }

            DetachedRequest d = onStep(c -> c.detachForMigration(ticket))
                    .orElseThrow(() -> new MigrationAbort("the request finished, was preempted or aborted before the last stage"));
            detached = Optional.of(d);
            if (MigrationTrace.ON) {
                MigrationTrace.mark("src.woke", ticket.requestId() + " detachedAt=" + d.detachedAtNanos());
            }
            MigratingRequest state = d.state();
            MigrateInReply reply;
            if (recompute) {
                hs.send(MigrateInMessage.newBuilder().setCommit(Commit.newBuilder().setState(ProtoMapping.toProto(state.forRecompute())))
                        .build());
                reply = hs.expect(MigrateInReply.Kind.COMMITTED);
            } else {
                int total = engine.blocksFor(state.numComputed());
                int[] rest = total > sent ? Arrays.copyOfRange(d.blockTable(), sent, total) : new int[0];
                // Downtime: the reservation (if what was reserved ahead is short), the last blocks and the commit go
                // out back to back and the replies are checked afterwards, one round trip instead of three. The
                // destination handles a stream's messages in order and ignores everything after a refusal, so a
                // refused reservation still aborts cleanly (we then see REFUSED where RESERVED was expected).
                int topUp = Math.max(0, rest.length - lastStageEstimate);
                if (topUp > 0) {
                    hs.send(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(topUp)).build());
                }
                if (dataAddress.isPresent()) {
                    reply = commitOverData(sent, rest, state);
                } else {
                    if (rest.length > 0) {
                        sendMessages(stages, sent, rest);
                    }
                    hs.send(MigrateInMessage.newBuilder().setCommit(Commit.newBuilder().setState(ProtoMapping.toProto(state))).build());
                    if (topUp > 0) {
                        hs.expect(MigrateInReply.Kind.RESERVED);
                    }
                    if (rest.length > 0) {
                        hs.expect(MigrateInReply.Kind.STAGE_DONE);
                    }
                    reply = hs.expect(MigrateInReply.Kind.COMMITTED);
                }
            }
            committed = true;
            long commitAck = clock.nanoTime() - d.detachedAtNanos();
            long downtime = timeInNoBatch(d.detachedAtNanos(), reply.getInstalledAtNanos(), commitAck);
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
            // Every send has returned: the frame buffers can go back to the pool.
            links.values().forEach(KvDataLink::release);
            links.clear();
            return new MigrationOutcome(ticket.requestId(), MigrationOutcome.Result.COMMITTED, "", stages, blocksMoved, bytesMoved, downtime,
                    clock.nanoTime() - t0, d.detachedAtNanos() - t0, commitAck);
        }

        /** One copy stage while the request keeps decoding: reserve (the destination may refuse), send, await. */
        private void sendStage(int stage, int firstBlock, int[] physical) throws MigrationAbort {
            hs.send(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(physical.length)).build());
            hs.expect(MigrateInReply.Kind.RESERVED);
            sendBlocks(stage, firstBlock, physical);
            hs.expect(MigrateInReply.Kind.STAGE_DONE);
        }

        /**
         * The last blocks and the request's state over the urgent data connection, and the destination's answer on it:
         * no gRPC hop in the downtime. If that connection fails, the stream has the verdict (the destination refused,
         * or committed but could not answer on the connection).
         */
        private MigrateInReply commitOverData(int firstBlock, int[] rest, MigratingRequest state) throws MigrationAbort {
            KvDataLink l = link(KvWire.Lane.URGENT);
            ScheduledFuture<?> guard = watchdog.schedule(l::close, config.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                if (rest.length > 0) {
                    long n = l.send(storage, firstBlock, rest, 1.0);
                    dataBytes += n;
                    bytesMoved += n;
                    blocksMoved += rest.length;
                }
                MigrationTrace.mark("src.dataSent", ticket.requestId());
                l.sendCommit(state, dataBytes);
                MigrationTrace.mark("src.commitSent", ticket.requestId());
                MigrateInReply reply = l.readReply();
                MigrationTrace.mark("src.replyRead", ticket.requestId());
                if (reply.getKind() != MigrateInReply.Kind.COMMITTED) {
                    throw new MigrationAbort("destination answered " + reply.getKind() + ": " + reply.getReason());
                }
                return reply;
            } catch (IOException | RuntimeException e) {
                if (guard.isDone()) {
                    throw new MigrationAbort("the last stage took longer than " + config.stepTimeout().toMillis() + " ms");
                }
                log.debug("data connection of {} failed at the commit ({}); the stream decides", ticket.requestId(), e.toString());
                while (true) {
                    MigrateInReply r = hs.await();
                    switch (r.getKind()) {
                        case COMMITTED -> {
                            return r;
                        }
                        case REFUSED -> throw new MigrationAbort("destination answered REFUSED: " + r.getReason());
                        default -> {
                            // RESERVED or STAGE_DONE of this last stage
                        }
                    }
                }
            } finally {
                guard.cancel(false);
            }
        }

        /** The blocks of every layer: over the bulk data connection if there is one, else in gRPC messages. */
        private void sendBlocks(int stage, int firstBlock, int[] physical) throws MigrationAbort {
            if (dataAddress.isPresent()) {
                long sent = sendData(firstBlock, physical);
                dataBytes += sent;
                bytesMoved += sent;
                blocksMoved += physical.length;
            } else {
                sendMessages(stage, firstBlock, physical);
            }
        }

        /**
         * Copies the blocks to the bulk data connection on this source's bulk-copy threads (nice 19 when configured),
         * bounded by the step timeout (closing the connection stops a write the destination no longer reads).
         */
        private long sendData(int firstBlock, int[] physical) throws MigrationAbort {
            KvDataLink l = link(KvWire.Lane.BULK);
            Future<Long> f = bulkCopies.submit(() -> l.send(storage, firstBlock, physical, config.copyCpuShare()));
            try {
                return f.get(config.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                l.close();
                throw new MigrationAbort("interrupted");
            } catch (ExecutionException e) {
                throw new MigrationAbort("KV data connection to " + dataAddress.orElseThrow() + " failed: " + e.getCause());
            } catch (TimeoutException e) {
                l.close();
                f.cancel(true);
                throw new MigrationAbort("sending " + physical.length + " blocks took longer than " + config.stepTimeout().toMillis() + " ms");
            }
        }

        private KvDataLink link(KvWire.Lane lane) throws MigrationAbort {
            KvDataLink link = links.get(lane);
            if (link == null) {
                try {
                    // Bulk frames are small, so that paced copies come in short bursts; at least one block each.
                    int blockBytes = storage.blockFloats() * Float.BYTES;
                    int frame = Math.max(blockBytes, lane == KvWire.Lane.BULK
                            ? Math.min(config.maxMessageBytes(), BULK_FRAME_BYTES)
                            : config.maxMessageBytes());
                    link = KvDataLink.connect(dataAddress.orElseThrow(), dataTicket, lane, frame, config.sharedMemory());
                } catch (IOException e) {
                    throw new MigrationAbort("cannot open the KV data connection to " + dataAddress.orElseThrow() + ": " + e);
                }
                links.put(lane, link);
            }
            return link;
        }

        /** Closes the connections; their buffers are left to the collector, as a timed-out copy may still be filling one. */
        private void closeLinks() {
            links.values().forEach(KvDataLink::close);
            links.clear();
        }

        /** The blocks of every layer, fused into messages of at most {@code maxMessageBytes}. */
        private void sendMessages(int stage, int firstBlock, int[] physical) throws MigrationAbort {
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

        long detachedAt() {
            return detached.map(DetachedRequest::detachedAtNanos).orElse(0L);
        }

        void rollBack(String reason) {
            closeLinks();
            if (!committed) {
                // Best effort and without waiting: a stream the destination closed (it refused) is never ready again,
                // and waiting for it held the request's rollback for the whole step timeout (30 s).
                hs.trySend(MigrateInMessage.newBuilder().setAbort(AbortMigration.newBuilder().setReason(reason)).build());
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
            long t0, long detachedAt) {
        return new MigrationOutcome(id, r, reason, stages, blocks, bytes, downtime, clock.nanoTime() - t0, detachedAt == 0 ? 0 : detachedAt - t0,
                downtime);
    }

    /**
     * From the detach to the destination's install when the destination's install time is on this clock — it then
     * falls between the detach and the acknowledgement, which a clock of another host (or a test's) all but never
     * does — else the acknowledged time, an upper bound.
     */
    static long timeInNoBatch(long detachedAt, long installedAt, long commitAck) {
        long d = installedAt - detachedAt;
        return installedAt != 0 && d >= 0 && d <= commitAck ? d : commitAck;
    }
}
