package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.grpc.StatusRuntimeException;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.proto.LlumletGrpc;
import io.llumnix.proto.MigrateCommand;
import io.llumnix.proto.MigrateReply;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.rescheduling.MigrationExecutor;
import io.llumnix.scheduler.rescheduling.MigrationOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rescheduler's hand on the cluster: carries out each {@link MigrationOrder} by calling the source llumlet's
 * {@code Migrate} RPC with the order's rule, order and value and the destination llumlet's address. Addresses come
 * from the instances' {@link InstanceMetadata} ({@code host} and {@code llumletPort}), looked up without I/O (by
 * default in the scheduler's current snapshot, which survives a meta-store outage).
 *
 * <p>At most {@code maxConcurrentOrders} orders are in flight; one beyond that completes at once with nothing
 * migrated (the rescheduler plans again next tick). Every failure — unknown instance, instance without a llumlet,
 * unreachable llumlet, deadline, refusal — is logged and reported as a result with zero migrated requests: the
 * returned stage never completes exceptionally and {@link #migrate} never throws.
 *
 * <p>Thread-safe. RPCs run on virtual threads over one long-lived channel per llumlet.
 */
public final class GrpcMigrationExecutor implements MigrationExecutor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GrpcMigrationExecutor.class);

    private final Function<String, Optional<InstanceMetadata>> directory;
    private final Duration deadline;
    private final Semaphore permits;
    private final LlumletChannels channels = new LlumletChannels();
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong ordersFailed = new AtomicLong();
    private final AtomicLong ordersRejected = new AtomicLong();

    /**
     * @param directory finds an instance's metadata by id; must not block on I/O
     * @param maxConcurrentOrders orders in flight at most
     * @param deadline how long one order (all its migrations) may take before it is given up
     */
    public GrpcMigrationExecutor(Function<String, Optional<InstanceMetadata>> directory, int maxConcurrentOrders, Duration deadline) {
        this.directory = requireNonNull(directory, "directory is null");
        this.deadline = requireNonNull(deadline, "deadline is null");
        if (maxConcurrentOrders < 1) {
            throw new IllegalArgumentException("maxConcurrentOrders must be at least 1, got " + maxConcurrentOrders);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        this.permits = new Semaphore(maxConcurrentOrders);
    }

    /** An executor that resolves instances in whatever snapshot {@code snapshots} currently supplies. */
    public static GrpcMigrationExecutor overSnapshots(Supplier<ClusterSnapshot> snapshots, int maxConcurrentOrders, Duration deadline) {
        requireNonNull(snapshots, "snapshots is null");
        return new GrpcMigrationExecutor(id -> snapshots.get().find(id).map(InstanceView::metadata), maxConcurrentOrders, deadline);
    }

    @Override
    public CompletionStage<MigrationResult> migrate(MigrationOrder order) {
        if (!permits.tryAcquire()) {
            ordersRejected.incrementAndGet();
            return CompletableFuture.completedFuture(new MigrationResult(0, "too many migration orders in flight"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return execute(order);
                } catch (RuntimeException e) {
                    return failed(order, e.toString());
                } finally {
                    permits.release();
                }
            }, virtualThreads);
        } catch (RuntimeException e) { // rejected: the executor is closed
            permits.release();
            return CompletableFuture.completedFuture(failed(order, "the migration executor is closed"));
        }
    }

    /** Orders that reached no llumlet or failed there. */
    public long ordersFailed() {
        return ordersFailed.get();
    }

    /** Orders turned away because too many were in flight. */
    public long ordersRejected() {
        return ordersRejected.get();
    }

    @Override
    public void close() {
        virtualThreads.shutdownNow();
        channels.close();
    }

    private MigrationResult execute(MigrationOrder order) {
        Optional<String> src = llumletAddress(order.sourceInstanceId());
        Optional<String> dst = llumletAddress(order.destInstanceId());
        if (src.isEmpty() || dst.isEmpty()) {
            String missing = src.isEmpty() ? order.sourceInstanceId() : order.destInstanceId();
            return failed(order, "no llumlet address known for " + missing);
        }
        MigrateCommand command = MigrateCommand.newBuilder()
                .setRule(order.rule().name())
                .setOrder(order.order().name())
                .setValue(order.value())
                .setDstInstanceId(order.destInstanceId())
                .setDstAddress(dst.get())
                .setNormalPriorityOnly(order.normalPriorityOnly())
                .build();
        MigrateReply reply;
        try {
            reply = LlumletGrpc.newBlockingStub(channels.channel(src.get()))
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .migrate(command);
        } catch (StatusRuntimeException e) {
            return failed(order, "Migrate on " + src.get() + ": " + e.getStatus());
        }
        int committed = 0;
        StringBuilder detail = new StringBuilder();
        for (io.llumnix.proto.MigrationResult r : reply.getResultsList()) {
            if (r.getOutcome().equals(MigrationOutcome.Result.COMMITTED.name())) {
                committed++;
            }
            detail.append(detail.isEmpty() ? "" : "; ").append(r.getRequestId()).append(' ')
                    .append(r.getOutcome().toLowerCase(java.util.Locale.ROOT))
                    .append(r.getReason().isEmpty() ? "" : " (" + r.getReason() + ")")
                    .append(String.format(java.util.Locale.ROOT, " in %.1f ms, downtime %.1f ms", r.getTotalMs(), r.getDowntimeMs()));
        }
        if (reply.getResultsCount() == 0) {
            detail.append("no request selected");
        }
        log.debug("{}: {} -> {}: {}", order.policy(), order.sourceInstanceId(), order.destInstanceId(), detail);
        return new MigrationResult(committed, detail.toString());
    }

    private Optional<String> llumletAddress(String instanceId) {
        return directory.apply(instanceId)
                .filter(m -> m.llumletPort() > 0)
                .map(m -> (m.host().contains(":") ? "[" + m.host() + "]" : m.host()) + ":" + m.llumletPort());
    }

    private MigrationResult failed(MigrationOrder order, String why) {
        ordersFailed.incrementAndGet();
        log.warn("migration order {} -> {} ({}) failed: {}", order.sourceInstanceId(), order.destInstanceId(), order.policy(), why);
        return new MigrationResult(0, why);
    }
}
