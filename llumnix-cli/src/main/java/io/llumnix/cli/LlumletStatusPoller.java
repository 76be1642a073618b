package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.grpc.StatusRuntimeException;
import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.core.InstanceStatus;
import io.llumnix.llumlet.LlumletChannels;
import io.llumnix.proto.LlumletGrpc;
import io.llumnix.proto.StatusRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fills the serve process's in-memory cluster meta store with its children's real-time load, for full-mode
 * scheduling and the rescheduler. The children are separate processes and cannot write into this process's store,
 * and {@code llumnix serve} without {@code --redis} has no shared store, so the parent pulls instead: every
 * {@code --cms-pull-status-interval-ms} it calls each live child's llumlet {@code GetStatus} (in parallel, on
 * virtual threads, one long-lived channel per llumlet) and puts the status with a TTL of many intervals, so a
 * child that stops answering ages out. With {@code --redis} the children publish themselves (a
 * {@code StatusPublisher} each) and this class is not used.
 *
 * <p>It lives in the CLI rather than the llumlet module because it is tied to {@link EngineFleet}'s view of the
 * children; the RPC it uses is the llumlet's public one, so a standalone scheduler could do the same.
 *
 * <p>Thread-safe: one polling thread; {@link #close()} stops it and closes the channels (not the store).
 */
final class LlumletStatusPoller implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Supplier<List<EngineFleet.Instance>> instances;
    private final ClusterMetaStore store;
    private final Duration interval;
    private final Duration rpcDeadline;
    private final Duration statusTtl;
    private final LlumletChannels channels = new LlumletChannels();
    private final ExecutorService rpcs = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread thread;
    private final AtomicLong statusesPulled = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;

    LlumletStatusPoller(Supplier<List<EngineFleet.Instance>> instances, ClusterMetaStore store, Duration interval) {
        this.instances = requireNonNull(instances, "instances is null");
        this.store = requireNonNull(store, "store is null");
        this.interval = requireNonNull(interval, "interval is null");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        this.rpcDeadline = max(interval.multipliedBy(5), Duration.ofSeconds(1)); // a cold channel's first call is slow
        this.statusTtl = max(interval.multipliedBy(25), Duration.ofSeconds(2));
        this.thread = Thread.ofPlatform().daemon().name("llumnix-serve-status-poller").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Statuses put into the store so far. */
    long statusesPulled() {
        return statusesPulled.get();
    }

    /** One round: pulls every live child's status into the store; returns how many were stored. */
    int pollOnce() {
        List<Future<Boolean>> pulls = new ArrayList<>();
        for (EngineFleet.Instance i : instances.get()) {
            if (i.alive() && i.llumletPort() > 0) {
                pulls.add(rpcs.submit(() -> pull(i)));
            }
        }
        int stored = 0;
        for (Future<Boolean> f : pulls) {
            try {
                if (f.get(rpcDeadline.toMillis() * 2, TimeUnit.MILLISECONDS)) {
                    stored++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stored;
            } catch (Exception e) {
                failures.incrementAndGet();
            }
        }
        return stored;
    }

    private boolean pull(EngineFleet.Instance i) {
        String json;
        try {
            json = LlumletGrpc.newBlockingStub(channels.channel(i.llumletAddress()))
                    .withDeadlineAfter(rpcDeadline.toMillis(), TimeUnit.MILLISECONDS)
                    .getStatus(StatusRequest.getDefaultInstance())
                    .getJson();
        } catch (StatusRuntimeException e) {
            // A child that is starting, stopping or dead: its status ages out by TTL; the registrar deletes dead ones.
            failures.incrementAndGet();
            return false;
        }
        InstanceStatus status = JSON.readValue(json, InstanceStatus.class);
        if (!status.instanceId().equals(i.instanceId())) {
            throw new IllegalStateException("llumlet at " + i.llumletAddress() + " reports " + status.instanceId() + ", expected " + i.instanceId());
        }
        boolean ok = store.putStatus(status, statusTtl);
        if (ok) {
            statusesPulled.incrementAndGet();
        }
        return ok;
    }

    private void run() {
        long periodNanos = interval.toNanos();
        while (!closed) {
            long start = System.nanoTime();
            try {
                pollOnce();
            } catch (RuntimeException e) {
                failures.incrementAndGet(); // the next round tries again
            }
            long sleep = periodNanos - (System.nanoTime() - start);
            if (sleep > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rpcs.shutdownNow();
        channels.close();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
