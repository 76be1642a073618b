package io.llumnix.sim.core;

import io.llumnix.engine.sched.DetachedRequest;
import io.llumnix.engine.sched.MigrationTicket;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The llumlet's staged live migration of one request, on simulated time, through the engine's own migration hooks
 * (the same calls {@code MigrationSource} and {@code MigrationInHandler} make): stage 0 pins and copies every full,
 * computed block while the request keeps decoding on the source; each later stage copies what was filled meanwhile;
 * when at most {@code lastStageMaxBlocks} remain (or the stage limit is hit) the source detaches the request, the rest
 * is copied, the destination installs it and the source completes. Each copy takes
 * {@link io.llumnix.sim.latency.LatencyProfile#migrationNanos(int)}. Every engine call runs between that engine's
 * steps. Any refusal (request finished or preempted, destination full) rolls back: pins and reservations released, the
 * request reinstated on the source.
 *
 * <p>Not thread-safe (the event loop owns it).
 */
final class SimMigration {

    private enum Phase {
        STAGE_COPY,
        LAST_COPY
    }

    private final ClusterSimulation sim;
    private final SimInstance src;
    private final SimInstance dst;
    private final String requestId;
    private final String policy;
    private final Consumer<MigrationRecord> done;
    private final long startNanos;
    private @Nullable MigrationTicket ticket;
    private int[] pinned = new int[0];
    private int[] reserved = new int[0];
    private @Nullable DetachedRequest detached;
    private int sent;
    private int stage;
    private int blocksCopied;
    private long detachNanos = -1;
    private Phase phase = Phase.STAGE_COPY;
    private boolean haveInSlot;
    private boolean finished;

    SimMigration(ClusterSimulation sim, SimInstance src, SimInstance dst, String requestId, String policy,
            Consumer<MigrationRecord> done) {
        this.sim = sim;
        this.src = src;
        this.dst = dst;
        this.requestId = requestId;
        this.policy = policy;
        this.done = done;
        this.startNanos = sim.now();
    }

    /** Begins on the source (call between the source's steps). */
    void start() {
        src.activeMigrations++;
        dst.activeMigrations++;
        src.freeOutSlots--;
        Optional<MigrationTicket> t = src.core.beginMigrationOut(requestId);
        if (t.isEmpty()) {
            finish(false, "not live on the source or already migrating");
            return;
        }
        ticket = t.get();
        if (dst.state != SimInstance.State.RUNNING || dst.freeInSlots <= 0) {
            abort("destination has no free migrate-in slot or is not running");
            return;
        }
        dst.freeInSlots--;
        dst.loading++;
        haveInSlot = true;
        if (ticket.wasRunning() && sim.config().migration().maxStages() > 0) {
            nextStage();
        } else {
            lastStage();
        }
    }

    /** On the source: pin what is computed beyond {@code sent}; copy it, or go to the last stage. */
    private void nextStage() {
        MigrationTicket tk = ticket;
        if (stage >= sim.config().migration().maxStages()) {
            lastStage();
            return;
        }
        Optional<int[]> p = src.core.pinComputedBlocks(tk, sent);
        if (p.isEmpty()) {
            abort("the request finished, was preempted or aborted during stage " + stage);
            return;
        }
        int[] blocks = p.get();
        if (blocks.length == 0 || (stage > 0 && blocks.length <= sim.config().migration().lastStageMaxBlocks())) {
            src.core.unpin(blocks);
            lastStage();
            return;
        }
        pinned = blocks;
        dst.betweenSteps(() -> {
            if (!reserve(blocks.length)) {
                return;
            }
            phase = Phase.STAGE_COPY;
            sim.scheduleTransfer(this, sim.config().profile().migrationNanos(blocks.length));
        }, sim.now());
    }

    /** On the source: detach (downtime starts), then reserve and copy the rest. */
    private void lastStage() {
        Optional<DetachedRequest> d = src.core.detachForMigration(ticket);
        if (d.isEmpty()) {
            abort("the request finished, was preempted or aborted before the last stage");
            return;
        }
        detached = d.get();
        detachNanos = sim.now();
        int total = src.core.blockManager().blocksFor(detached.state().numComputed());
        int rest = Math.max(0, total - sent);
        dst.betweenSteps(() -> {
            if (!reserve(rest)) {
                return;
            }
            phase = Phase.LAST_COPY;
            sim.scheduleTransfer(this, sim.config().profile().migrationNanos(rest));
        }, sim.now());
    }

    /** On the destination: reserve {@code n} more blocks; aborts the migration and returns false when full. */
    private boolean reserve(int n) {
        if (finished) {
            return false;
        }
        Optional<int[]> got = dst.core.reserveBlocks(n, sim.config().migration().watermarkBlocks());
        if (got.isEmpty()) {
            src.betweenSteps(() -> abort("destination out of KV blocks for " + n + " more"), sim.now());
            return false;
        }
        int[] more = got.get();
        int old = reserved.length;
        reserved = Arrays.copyOf(reserved, old + more.length);
        System.arraycopy(more, 0, reserved, old, more.length);
        blocksCopied += n;
        return true;
    }

    /** A copy finished (called by the event loop). */
    void onTransferDone() {
        if (phase == Phase.STAGE_COPY) {
            src.betweenSteps(() -> {
                src.core.unpin(pinned);
                sent += pinned.length;
                pinned = new int[0];
                stage++;
                nextStage();
            }, sim.now());
        } else {
            DetachedRequest d = detached;
            RequestTracker tracker = sim.tracker(requestId);
            dst.betweenSteps(() -> {
                dst.core.installMigrated(d.state(), reserved, tracker);
                reserved = new int[0];
                tracker.instance = dst;
                long installedAt = sim.now();
                sim.wake(dst);
                src.betweenSteps(() -> {
                    src.core.completeMigrationOut(d, dst.id, "");
                    finish(true, "", installedAt);
                }, sim.now());
            }, sim.now());
        }
    }

    /** On the source: roll back everything this attempt holds. */
    private void abort(String reason) {
        if (finished) {
            return;
        }
        if (pinned.length > 0) {
            src.core.unpin(pinned);
            pinned = new int[0];
        }
        if (detached != null) {
            src.core.reinstate(detached);
            detached = null;
        } else if (ticket != null) {
            src.core.endMigrationOut(ticket);
        }
        if (reserved.length > 0) {
            int[] toFree = reserved;
            reserved = new int[0];
            dst.betweenSteps(() -> {
                dst.core.unpin(toFree);
                sim.wake(dst);
            }, sim.now());
        }
        finish(false, reason);
    }

    private void finish(boolean committed, String reason) {
        finish(committed, reason, sim.now());
    }

    private void finish(boolean committed, String reason, long endNanos) {
        if (finished) {
            return;
        }
        finished = true;
        src.activeMigrations--;
        dst.activeMigrations--;
        src.freeOutSlots++;
        if (haveInSlot) {
            dst.freeInSlots++;
            dst.loading--;
        }
        sim.wake(src);
        sim.wake(dst);
        done.accept(new MigrationRecord(requestId, src.id, dst.id, policy, startNanos, detachNanos, endNanos, stage, blocksCopied,
                committed, reason));
    }
}
