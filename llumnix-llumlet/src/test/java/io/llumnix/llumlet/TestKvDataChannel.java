package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.llumlet.MigrationFixture.FollowingClient;
import io.llumnix.proto.AbortMigration;
import io.llumnix.proto.Begin;
import io.llumnix.proto.Commit;
import io.llumnix.proto.LlumletGrpc;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.proto.RequestState;
import io.llumnix.proto.Reserve;
import io.llumnix.proto.SamplingParamsMessage;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The KV data connection beside the {@code MigrateIn} stream, driven by hand from the source's side: whatever
 * happens to the connection before the commit, the destination refuses and frees its reservation.
 */
class TestKvDataChannel {

    private LlmEngine dst;
    private Llumlet llumlet;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        dst = MigrationFixture.engine("dst", MigrationFixture.config(128, 48));
        llumlet = MigrationFixture.llumlet(dst, "dst", MigrationConfig.defaults().withStepTimeout(Duration.ofSeconds(2)));
        channel = NettyChannelBuilder.forTarget(llumlet.address()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        llumlet.close();
        dst.close();
    }

    /** One hand-driven MigrateIn stream. */
    private final class Stream implements StreamObserver<MigrateInReply> {
        final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        final StreamObserver<MigrateInMessage> requests = LlumletGrpc.newStub(channel).migrateIn(this);

        @Override
        public void onNext(MigrateInReply value) {
            replies.add(value);
        }

        @Override
        public void onError(Throwable t) {
            replies.add(t);
        }

        @Override
        public void onCompleted() {
            replies.add("completed");
        }

        MigrateInReply next() throws InterruptedException {
            Object o = replies.poll(10, TimeUnit.SECONDS);
            assertThat(o).as("a reply").isInstanceOf(MigrateInReply.class);
            return (MigrateInReply) o;
        }

        MigrateInReply begin() throws InterruptedException {
            KvCacheStorage s = dst.kvStorage().orElseThrow();
            requests.onNext(MigrateInMessage.newBuilder().setBegin(Begin.newBuilder()
                    .setRequestId("r")
                    .setSrcInstanceId("test")
                    .setBlockSize(dst.config().blockSize())
                    .setNumLayers(s.numLayers())
                    .setBlockFloats(s.blockFloats())
                    .setTotalTokens(64)
                    .setDataChannel(true)).build());
            MigrateInReply r = next();
            assertThat(r.getKind()).isEqualTo(MigrateInReply.Kind.RESERVED);
            assertThat(r.getDataAddress()).as("the destination offers a data connection").isNotEmpty();
            return r;
        }

        void reserve(int n) throws InterruptedException {
            requests.onNext(MigrateInMessage.newBuilder().setReserve(Reserve.newBuilder().setNumBlocks(n)).build());
            assertThat(next().getKind()).isEqualTo(MigrateInReply.Kind.RESERVED);
        }
    }

    private static SocketChannel connect(MigrateInReply begun, long ticket, KvWire.Lane lane) throws Exception {
        String a = begun.getDataAddress();
        int colon = a.lastIndexOf(':');
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
        KvWire.writeFully(ch, KvWire.hello(ticket, lane));
        return ch;
    }

    private int blockBytes() {
        return dst.kvStorage().orElseThrow().blockFloats() * Float.BYTES;
    }

    private static ByteBuffer header(int layer, int first, int n, int flags) {
        ByteBuffer h = ByteBuffer.allocate(KvWire.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(layer).putInt(first).putInt(n).putInt(flags).flip();
        return h;
    }

    @Test
    void connectionDroppedMidFrame_refuses_andFreesTheReservation() throws Exception {
        Stream s = new Stream();
        MigrateInReply begun = s.begin();
        s.reserve(4);
        try (SocketChannel ch = connect(begun, begun.getDataTicket(), KvWire.Lane.BULK)) {
            KvWire.writeFully(ch, header(0, 0, 4, 0), ByteBuffer.allocate(2 * blockBytes()));
        }
        MigrateInReply refused = s.next();
        assertThat(refused.getKind()).isEqualTo(MigrateInReply.Kind.REFUSED);
        assertThat(refused.getReason()).contains("data connection");
        MigrationFixture.awaitIdle(dst);
        // The refusal goes out before the release: the slot comes back right after.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (llumlet.freeInSlots() < MigrationConfig.defaults().migrateInSlots() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(llumlet.freeInSlots()).isEqualTo(MigrationConfig.defaults().migrateInSlots());
    }

    @Test
    void connectionClosedBetweenStages_refuses_andFreesTheReservation() throws Exception {
        Stream s = new Stream();
        MigrateInReply begun = s.begin();
        s.reserve(2);
        try (SocketChannel ch = connect(begun, begun.getDataTicket(), KvWire.Lane.BULK)) {
            int layers = dst.kvStorage().orElseThrow().numLayers();
            for (int layer = 0; layer < layers; layer++) {
                KvWire.writeFully(ch, header(layer, 0, 2, layer == layers - 1 ? KvWire.LAST_OF_STAGE : 0), ByteBuffer.allocate(2 * blockBytes()));
            }
            assertThat(s.next().getKind()).isEqualTo(MigrateInReply.Kind.STAGE_DONE);
        }
        assertThat(s.next().getKind()).isEqualTo(MigrateInReply.Kind.REFUSED);
        MigrationFixture.awaitIdle(dst);
    }

    @Test
    void frameBeyondTheReservation_waitsForIt_andRefusesWhenItNeverComes() throws Exception {
        Stream s = new Stream();
        MigrateInReply begun = s.begin();
        s.reserve(1);
        try (SocketChannel ch = connect(begun, begun.getDataTicket(), KvWire.Lane.URGENT)) {
            KvWire.writeFully(ch, header(0, 0, 3, 0), ByteBuffer.allocate(3 * blockBytes()));
            MigrateInReply refused = s.next();
            assertThat(refused.getKind()).isEqualTo(MigrateInReply.Kind.REFUSED);
            assertThat(refused.getReason()).contains("only 1 are reserved");
            // The destination closed its end.
            assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        }
        MigrationFixture.awaitIdle(dst);
    }

    @Test
    void commitBeforeEveryByteArrived_refusesAfterTheStepTimeout_andFreesTheReservation() throws Exception {
        Stream s = new Stream();
        s.begin();
        s.reserve(2);
        s.requests.onNext(MigrateInMessage.newBuilder().setCommit(Commit.newBuilder()
                .setState(RequestState.newBuilder().setRequestId("r").addTokens(1).setPromptLength(1).setNumComputed(1)
                        .setParams(SamplingParamsMessage.newBuilder().setTopP(1).setMaxTokens(8)))
                .setDataBytes(2L * blockBytes())).build());
        MigrateInReply refused = s.next();
        assertThat(refused.getKind()).isEqualTo(MigrateInReply.Kind.REFUSED);
        assertThat(refused.getReason()).contains("only 0 of");
        MigrationFixture.awaitIdle(dst);
        assertThat(dst.snapshot().numRunning()).isZero();
    }

    @Test
    void commitOnTheUrgentConnection_installs_andAnswersOnIt() throws Exception {
        Stream s = new Stream();
        MigrateInReply begun = s.begin();
        s.reserve(1);
        // The commit frame carries the token ids as a raw array beside the state (not inside it).
        RequestState state = RequestState.newBuilder().setRequestId("r").setPromptLength(3).setRngState(42)
                .setParams(SamplingParamsMessage.newBuilder().setTopP(1).setMaxTokens(200).setIgnoreEos(true)).build();
        int[] tokens = {1, 5, 6};
        try (SocketChannel ch = connect(begun, begun.getDataTicket(), KvWire.Lane.URGENT)) {
            byte[] bytes = state.toByteArray();
            ByteBuffer meta = ByteBuffer.allocate(KvWire.COMMIT_META_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            meta.putInt(bytes.length).putLong(0).putInt(tokens.length).flip();
            ByteBuffer ids = ByteBuffer.allocate(tokens.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ids.asIntBuffer().put(tokens);
            KvWire.writeFully(ch, header(0, 0, 0, KvWire.COMMIT), meta, ByteBuffer.wrap(bytes), ids);
            ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(KvWire.readFully(ch, len)).as("a reply, not %s", s.replies.peek()).isTrue();
            ByteBuffer body = ByteBuffer.allocate(len.flip().getInt());
            assertThat(KvWire.readFully(ch, body)).isTrue();
            MigrateInReply reply = MigrateInReply.parseFrom(body.flip());
            assertThat(reply.getKind()).isEqualTo(MigrateInReply.Kind.COMMITTED);
            assertThat(reply.getInstanceId()).isEqualTo("dst");
        }
        // The stream hears it too, and ends.
        assertThat(s.next().getKind()).isEqualTo(MigrateInReply.Kind.COMMITTED);
        dst.abort("r");
        MigrationFixture.awaitIdle(dst);
    }

    @Test
    void unknownTicket_isClosed_andTheStreamCarriesOn() throws Exception {
        Stream s = new Stream();
        MigrateInReply begun = s.begin();
        try (SocketChannel ch = connect(begun, begun.getDataTicket() ^ 1, KvWire.Lane.BULK)) {
            assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        }
        s.reserve(3);
        s.requests.onNext(MigrateInMessage.newBuilder().setAbort(AbortMigration.newBuilder().setReason("test")).build());
        s.requests.onCompleted();
        MigrationFixture.awaitIdle(dst);
    }

    @Test
    void withoutDataChannel_kvMovesInStreamMessages_tokenIdentical() throws Exception {
        MigrationOutcome o = migrateAndCompare(MigrationConfig.defaults().withDataChannel(false), 3, 16, dst, llumlet);
        assertThat(o.bytesMoved()).isPositive();
    }

    @Test
    void manyStages_reuseTheDataConnections_tokenIdentical() throws Exception {
        MigrationConfig d = MigrationConfig.defaults();
        // Two-token blocks and no last-stage threshold: a stage for every block filled meanwhile, up to 8, over one
        // bulk connection, with frames smaller than a stage, paced.
        MigrationConfig eager = new MigrationConfig(8, 0, d.stepTimeout(), 1, 1, 0, 64 * 1024, true, true, 0.25, true);
        try (LlmEngine d2 = MigrationFixture.engine("dst", MigrationFixture.config(2048, 48).withBlockSize(2));
                Llumlet l2 = MigrationFixture.llumlet(d2, "dst", d)) {
            MigrationOutcome o = migrateAndCompare(eager, 20, 2, d2, l2);
            assertThat(o.stages()).as(o.toString()).isGreaterThan(1);
        }
    }

    @Test
    void framesThroughSharedMemory_orOverTheSocket_tokenIdentical_andNoFileLeftBehind() throws Exception {
        MigrationConfig d = MigrationConfig.defaults();
        MigrationConfig eager = new MigrationConfig(8, 0, d.stepTimeout(), 1, 1, 0, 64 * 1024, true, true, 0.25, true);
        java.util.Set<String> before = shmFiles();
        try (LlmEngine d2 = MigrationFixture.engine("dst", MigrationFixture.config(2048, 48).withBlockSize(2));
                Llumlet l2 = MigrationFixture.llumlet(d2, "dst", d)) {
            long shared = KvDataLink.sharedMemoryLinks();
            MigrationOutcome viaShm = migrateAndCompare(eager, 20, 2, d2, l2);
            assertThat(viaShm.stages()).isGreaterThan(1);
            boolean shmUsable = java.nio.file.Files.isDirectory(KvShm.DIR) && java.nio.file.Files.isWritable(KvShm.DIR);
            assertThat(KvDataLink.sharedMemoryLinks() - shared).as("connections that used shared memory (%s usable: %s)", KvShm.DIR, shmUsable)
                    .isEqualTo(shmUsable ? 2 : 0);
            shared = KvDataLink.sharedMemoryLinks();
            MigrationOutcome viaSocket = migrateAndCompare(eager.withSharedMemory(false), 20, 2, d2, l2);
            assertThat(viaSocket.bytesMoved()).isPositive();
            assertThat(KvDataLink.sharedMemoryLinks()).isEqualTo(shared);
        }
        assertThat(shmFiles()).as("files in %s", KvShm.DIR).isSubsetOf(before);
    }

    private static java.util.Set<String> shmFiles() throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(KvShm.DIR)) {
            return java.util.Set.of();
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(KvShm.DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(KvShm.PREFIX))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** Migrates a request after {@code trigger} tokens with the source configured so; its output must match the unmigrated run. */
    private static MigrationOutcome migrateAndCompare(MigrationConfig sourceConfig, int trigger, int blockSize, LlmEngine dst, Llumlet llumlet)
            throws Exception {
        try (LlmEngine src = MigrationFixture.engine("src", MigrationFixture.config(2048, 48).withBlockSize(blockSize));
                Llumlet ls = MigrationFixture.llumlet(src, "src", sourceConfig)) {
            Random r = new Random(3);
            // A long generation, so a slow handshake on a loaded machine still finds the request running.
            int[] p = new int[60];
            p[0] = 1;
            for (int i = 1; i < p.length; i++) {
                p[i] = 3 + r.nextInt(509);
            }
            SamplingParams params = SamplingParams.greedy(440).withIgnoreEos(true);
            FollowingClient ref = new FollowingClient(Map.of());
            src.submit(new GenerateRequest("ref", p, params, 0), ref);
            assertThat(ref.await()).isInstanceOf(RequestEvent.Finished.class);
            FollowingClient c = new FollowingClient(Map.of("src", src, "dst", dst));
            CompletableFuture<MigrationOutcome> outcome = new CompletableFuture<>();
            c.onToken(i -> {
                if (i == trigger) {
                    ls.migrate("m", llumlet.address(), false).whenComplete((o, e) -> outcome.complete(o));
                }
            });
            src.submit(new GenerateRequest("m", p, params, 0), c);
            assertThat(c.await()).isInstanceOf(RequestEvent.Finished.class);
            MigrationOutcome o = outcome.get(30, TimeUnit.SECONDS);
            assertThat(o.result()).as(o.toString()).isEqualTo(MigrationOutcome.Result.COMMITTED);
            assertThat(c.tokenArray()).containsExactly(ref.tokenArray());
            MigrationFixture.awaitIdle(src);
            MigrationFixture.awaitIdle(dst);
            return o;
        }
    }
}
