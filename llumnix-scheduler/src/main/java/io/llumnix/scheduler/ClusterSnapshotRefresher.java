package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.ReadResult;
import io.llumnix.core.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster from a {@link SnapshotSource} every {@code interval} on its own thread, builds an immutable
 * {@link ClusterSnapshot} and hands it to a listener (normally {@link Scheduler#updateSnapshot}). The I/O
 * happens here, never on a scheduling thread, and no lock is held across it. When the source is unavailable
 * (e.g. Redis is down) the last snapshot stays in force — decisions continue on it plus the ledger — and the
 * refresher keeps trying; the first success after an outage is logged.
 *
 * <p>Thread-safe. {@link #refreshOnce()} may also be called directly (tests, the simulator).
 */
public final class ClusterSnapshotRefresher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSnapshotRefresher.class);

    private final SnapshotSource source;
    private final Duration interval;
    private final Clock clock;
    private final Consumer<ClusterSnapshot> listener;
    private final AtomicReference<ClusterSnapshot> current = new AtomicReference<>(ClusterSnapshot.empty());
    private final AtomicLong consecutiveFailures = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();
    private final ScheduledExecutorService executor;

    public ClusterSnapshotRefresher(SnapshotSource source, Duration interval, Clock clock,
            Consumer<ClusterSnapshot> listener) {
        this.source = requireNonNull(source, "source is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.listener = requireNonNull(listener, "listener is null");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("--cms-pull-status-interval-ms must be positive: " + interval);
        }
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llumnix-snapshot-refresher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Refreshes now, then every interval. */
    public void start() {
        executor.scheduleWithFixedDelay(this::refreshQuietly, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One read; returns whether a new snapshot was published. */
    public boolean refreshOnce() {
        ReadResult<List<InstanceView>> read = source.read();
        switch (read) {
            case ReadResult.Ok<List<InstanceView>> ok -> {
                ClusterSnapshot snapshot = ClusterSnapshot.of(ok.value(), clock.currentTimeMillis());
                long failed = consecutiveFailures.getAndSet(0);
                if (failed > 0) {
                    LOG.info("cluster meta store readable again after {} failed refreshes; {} instances", failed,
                            snapshot.size());
                }
                current.set(snapshot);
                refreshes.incrementAndGet();
                listener.accept(snapshot);
                return true;
            }
            case ReadResult.Unavailable<List<InstanceView>> u -> {
                if (consecutiveFailures.getAndIncrement() == 0) {
                    LOG.warn("cluster meta store unreadable ({}); scheduling continues on the snapshot of {} "
                            + "instances taken at {}", u.reason(), current.get().size(), current.get().takenAtMs());
                }
                return false;
            }
        }
    }

    /** The last snapshot published. */
    public ClusterSnapshot current() {
        return current.get();
    }

    /** Failed reads since the last successful one. */
    public long consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** Snapshots published so far. */
    public long refreshes() {
        return refreshes.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void refreshQuietly() {
        try {
            refreshOnce();
        } catch (RuntimeException e) {
            // A bug in a source or listener must not stop the refresher: the next tick tries again.
            consecutiveFailures.incrementAndGet();
            LOG.error("snapshot refresh failed", e);
        }
    }
}
