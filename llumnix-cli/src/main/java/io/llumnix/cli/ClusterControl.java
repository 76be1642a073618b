package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.RedisClusterMetaStore;
import io.llumnix.cms.RedisCmsConfig;
import io.llumnix.core.Clock;
import io.llumnix.llumlet.GrpcMigrationExecutor;
import io.llumnix.scheduler.ClusterSnapshotRefresher;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.SnapshotSource;
import io.llumnix.scheduler.autoscale.AutoscaleAdvisor;
import io.llumnix.scheduler.autoscale.AutoscaleConfig;
import io.llumnix.scheduler.rescheduling.Rescheduler;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The control plane of the multi-process mode ({@code llumnix scheduler}, {@code llumnix rescheduler}): a
 * scheduler whose snapshot a refresher reads from the Redis cluster meta store the engines publish to
 * ({@code llumnix engine --cms-redis-host}), optionally an auto-scaling advisor observing it, and optionally the
 * rescheduler migrating over the llumlets' {@code Migrate} RPC ({@link GrpcMigrationExecutor}).
 *
 * <p>Unlike {@link ServeStack} it owns no engine: instances come and go by their own metadata TTL in Redis.
 * Thread-safe; {@link #close()} stops everything it started.
 */
final class ClusterControl implements AutoCloseable {

    private final RedisClusterMetaStore store;
    private final Scheduler scheduler;
    private final ClusterSnapshotRefresher refresher;
    private final @Nullable AutoscaleAdvisor advisor;
    private final ScheduledExecutorService loop;
    private final @Nullable GrpcMigrationExecutor migrations;
    private final @Nullable Rescheduler rescheduler;

    /**
     * @param rescheduling the rescheduler's configuration; nothing is migrated when it is disabled or
     *     {@code runRescheduler} is false (the rescheduler then runs in a separate {@code llumnix rescheduler})
     */
    ClusterControl(RedisCmsConfig redis, SchedulerConfig schedulerConfig, ReschedulingConfig rescheduling, boolean runRescheduler,
            Optional<AutoscaleConfig> autoscale, Duration pullInterval) {
        requireNonNull(redis, "redis is null");
        requireNonNull(schedulerConfig, "schedulerConfig is null");
        requireNonNull(rescheduling, "rescheduling is null");
        requireNonNull(autoscale, "autoscale is null");
        Clock clock = Clock.system();
        this.store = new RedisClusterMetaStore(redis);
        this.scheduler = new Scheduler(schedulerConfig, clock);
        this.advisor = autoscale.map(a -> new AutoscaleAdvisor(a, clock)).orElse(null);
        this.refresher = new ClusterSnapshotRefresher(SnapshotSource.fromStore(store), pullInterval, clock, s -> {
            scheduler.updateSnapshot(s);
            if (advisor != null) {
                advisor.observe(s);
            }
        });
        refresher.refreshOnce();
        refresher.start();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("llumnix-rescheduler").unstarted(r));
        if (runRescheduler && rescheduling.enableRescheduling()) {
            this.migrations = GrpcMigrationExecutor.overSnapshots(scheduler::snapshot, 4, Duration.ofSeconds(60));
            this.rescheduler = new Rescheduler(scheduler::snapshot, rescheduling, migrations, clock);
            rescheduler.start(loop);
        } else {
            this.migrations = null;
            this.rescheduler = null;
        }
    }

    /** {@code HOST:PORT} of a Redis, for {@code flag}; a one-line {@link UserException} when malformed. */
    static RedisCmsConfig parseRedis(String flag, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new IllegalArgumentException(flag + " must be HOST:PORT, got '" + hostPort + "'");
            }
            return RedisCmsConfig.of(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new UserException(flag + " must be HOST:PORT, got '" + hostPort + "'", e);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Optional<AutoscaleAdvisor> advisor() {
        return Optional.ofNullable(advisor);
    }

    /** Whether this process runs the rescheduler. */
    boolean reschedules() {
        return rescheduler != null;
    }

    /** Migrations the rescheduler's orders committed so far (0 without it). */
    long requestsMigrated() {
        return rescheduler == null ? 0 : rescheduler.requestsMigrated();
    }

    @Override
    public void close() {
        if (rescheduler != null) {
            rescheduler.close();
        }
        loop.shutdownNow();
        if (migrations != null) {
            migrations.close();
        }
        refresher.close();
        store.close();
    }
}
