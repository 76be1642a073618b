package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InstanceStatus;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.InstanceStatuses;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.sched.RunningRequestView;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one instance's entries in the cluster meta store current, so that the scheduler sees real-time load:
 * <ul>
 *   <li>a status after load-changing engine steps, throttled to one per {@code --cms-push-status-interval-ms}
 *       (the last change is always published, at most one interval late);</li>
 *   <li>a metadata heartbeat (with a TTL, so a dead instance ages out), which also re-puts an unchanged status;</li>
 *   <li>a watchdog: an engine that has work but whose step counter stops moving is published unschedulable
 *       until it steps again;</li>
 *   <li>{@link #drain()} publishes the instance unschedulable; {@link #close()} deletes its keys.</li>
 * </ul>
 * The engine publishes an {@link EngineSnapshot} after every step; the publisher polls it every few
 * milliseconds on its own virtual thread. To publish, it asks the step thread (between two steps) for a
 * consistent snapshot plus the live request ids, from which it derives the ids that appeared since the previous
 * status ({@code recentWaitingRequestIds}: how the scheduler's dispatch ledger learns that a request it sent has
 * arrived even when it never waited long enough to be seen waiting) and the KV tokens of high-priority requests. A store failure is logged (rate-limited)
 * and retried on the next change or heartbeat; nothing here ever throws into the engine or the caller.
 *
 * <p>Thread-safe. One publisher per llumlet; the caller owns the store.
 */
public final class StatusPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What the step thread hands back: a snapshot and the live requests, taken together. */
    private record Live(EngineSnapshot snapshot, List<RunningRequestView> requests) {}

    /** The parts of a status whose change makes it worth publishing. */
    private record Signature(long stepId, int waiting, int running, int usedBlocks, int freeIn, int freeOut, boolean schedulable) {}

    private final Llumlet llumlet;
    private final LlmEngine engine;
    private final InstanceMetadata metadata;
    private final ClusterMetaStore store;
    private final StatusPublisherConfig config;
    private final Clock clock;
    private final Thread thread;
    private final AtomicLong statusesPublished = new AtomicLong();
    private final AtomicLong storeFailures = new AtomicLong();
    private volatile boolean draining;
    private volatile boolean closed;
    private volatile boolean stalled;

    // Owned by the publisher thread.
    private final StatusTracker tracker;
    private long lastStatusNanos;
    private long lastMetadataNanos;
    private @Nullable Signature lastSignature;
    private @Nullable CompletableFuture<Live> pending;
    private long pendingSinceNanos;
    private long lastFailureLogNanos;
    private boolean failing;

    private StatusPublisher(Llumlet llumlet, InstanceMetadata metadata, ClusterMetaStore store, StatusPublisherConfig config, Clock clock) {
        this.llumlet = requireNonNull(llumlet, "llumlet is null");
        this.engine = llumlet.engine();
        this.metadata = requireNonNull(metadata, "metadata is null");
        this.store = requireNonNull(store, "store is null");
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (!metadata.instanceId().equals(llumlet.instanceId())) {
            throw new IllegalArgumentException("metadata of " + metadata.instanceId() + " for the llumlet of " + llumlet.instanceId());
        }
        long now = clock.nanoTime();
        this.tracker = new StatusTracker(now);
        this.lastStatusNanos = now - config.pushStatusInterval().toNanos();
        this.lastMetadataNanos = now - config.pushMetadataInterval().toNanos();
        this.lastFailureLogNanos = now - FAILURE_LOG_INTERVAL_NANOS;
        this.thread = Thread.ofVirtual().name("status-publisher-" + llumlet.instanceId()).unstarted(this::run);
    }

    /** Starts publishing {@code llumlet}'s instance (described by {@code metadata}) to {@code store}. */
    public static StatusPublisher start(Llumlet llumlet, InstanceMetadata metadata, ClusterMetaStore store, StatusPublisherConfig config,
            Clock clock) {
        StatusPublisher p = new StatusPublisher(llumlet, metadata, store, config, clock);
        p.thread.start();
        return p;
    }

    /** From now on the instance is published unschedulable: it takes no new requests and the rescheduler may drain it. */
    public void drain() {
        draining = true;
    }

    /** Whether the watchdog currently sees an engine that has work but does not step. */
    public boolean engineStalled() {
        return stalled;
    }

    /** Statuses the store accepted so far. */
    public long statusesPublished() {
        return statusesPublished.get();
    }

    /** Writes (status or metadata) the store refused or failed so far. */
    public long storeFailures() {
        return storeFailures.get();
    }

    /** Stops publishing and deletes the instance's keys, so the scheduler stops sending it requests at once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (!store.delete(metadata.instanceId())) {
                log.warn("could not delete {} from the cluster meta store; its entries expire by TTL", metadata.instanceId());
            }
        } catch (RuntimeException e) {
            log.warn("could not delete {} from the cluster meta store; its entries expire by TTL: {}", metadata.instanceId(), e.toString());
        }
    }

    private void run() {
        long pollNanos = config.pollInterval().toNanos();
        while (!closed) {
            try {
                pollOnce();
            } catch (RuntimeException | Error e) {
                // A bug here must not stop the heartbeat for good: log and go on.
                log.error("status publishing of {} failed", metadata.instanceId(), e);
            }
            LockSupport.parkNanos(pollNanos);
        }
    }

    private void pollOnce() {
        long now = clock.nanoTime();
        EngineSnapshot s = engine.snapshot();
        boolean nowStalled = tracker.stalled(s, now, config.engineStallTimeout());
        if (nowStalled != stalled) {
            stalled = nowStalled;
            if (nowStalled) {
                log.warn("engine of {} has {} running and {} waiting requests but has not stepped for {} ms; publishing it unschedulable",
                        metadata.instanceId(), s.numRunning(), s.numWaiting(), tracker.sinceLastStepMs(now));
            } else {
                log.info("engine of {} steps again; publishing it schedulable", metadata.instanceId());
            }
        }

        if (now - lastMetadataNanos >= config.pushMetadataInterval().toNanos()) {
            lastMetadataNanos = now;
            write("metadata", () -> store.putMetadata(metadata, config.metadataTtl()));
        }

        CompletableFuture<Live> p = pending;
        if (p != null) {
            if (p.isDone()) {
                pending = null;
                Live live = p.isCompletedExceptionally() ? null : p.join();
                if (live != null) {
                    publish(live.snapshot(), live.requests(), now);
                }
                return;
            }
            if (now - pendingSinceNanos < config.engineStallTimeout().toNanos()) {
                return; // the step thread answers between two steps
            }
            pending = null; // the step thread does not answer: publish from the last snapshot below
        }

        boolean schedulable = !draining && !stalled;
        Signature sig = signature(s, schedulable);
        boolean due = now - lastStatusNanos >= config.pushMetadataInterval().toNanos();
        if ((!sig.equals(lastSignature) || due) && now - lastStatusNanos >= config.pushStatusInterval().toNanos()) {
            if (stalled) {
                publish(s, null, now);
            } else {
                pendingSinceNanos = now;
                pending = engine.onStepThread(c -> new Live(c.snapshot(), c.runningRequests()));
            }
        }
    }

    /** Publishes a status for {@code s}; {@code requests} are the live requests taken with it (null: unknown). */
    private void publish(EngineSnapshot s, @Nullable List<RunningRequestView> requests, long now) {
        boolean schedulable = !draining && !stalled;
        long highPriority = 0;
        List<String> recent = List.of();
        if (requests != null) {
            recent = tracker.appearedSinceLastReport(s, requests);
            highPriority = InstanceStatuses.highPriorityTokens(requests, s.blockSize());
        }
        InstanceStatus status = llumlet.status(s, schedulable, highPriority, recent);
        lastStatusNanos = now;
        lastSignature = new Signature(s.stepId(), s.numWaiting(), s.numRunning(), s.numUsedBlocks(), status.numMigrateInSlots(),
                status.numMigrateOutSlots(), schedulable);
        if (write("status", () -> store.putStatus(status, config.statusTtl()))) {
            statusesPublished.incrementAndGet();
        } else {
            lastSignature = null; // publish again on the next poll after the throttle
        }
    }

    private Signature signature(EngineSnapshot s, boolean schedulable) {
        return new Signature(s.stepId(), s.numWaiting(), s.numRunning(), s.numUsedBlocks(), llumlet.freeInSlots(), llumlet.freeOutSlots(),
                schedulable);
    }

    private interface Write {
        boolean run();
    }

    /** One store write; false (never an exception) when it failed. Failures are logged at most every few seconds. */
    private boolean write(String what, Write w) {
        boolean ok;
        String error;
        try {
            ok = w.run();
            error = ok ? "" : "the store is unavailable";
        } catch (RuntimeException e) {
            ok = false;
            error = e.toString();
        }
        long now = clock.nanoTime();
        if (ok) {
            if (failing) {
                failing = false;
                // The store may have come back empty (a restarted Redis): re-put the metadata now, not at the next heartbeat.
                lastMetadataNanos = now - config.pushMetadataInterval().toNanos();
                log.info("cluster meta store accepts {}'s entries again", metadata.instanceId());
            }
            return true;
        }
        storeFailures.incrementAndGet();
        if (!failing || now - lastFailureLogNanos >= FAILURE_LOG_INTERVAL_NANOS) {
            log.warn("could not publish {} of {} ({}); the engine keeps serving and the publisher retries", what, metadata.instanceId(), error);
            lastFailureLogNanos = now;
        }
        failing = true;
        return false;
    }
}
