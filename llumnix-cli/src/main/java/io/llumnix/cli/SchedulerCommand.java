package io.llumnix.cli;

import io.llumnix.core.Clock;
import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.service.SchedulerHttpService;
import io.llumnix.scheduler.service.SchedulerServiceConfig;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix scheduler}: the scheduler as a process of its own (multi-process mode). It reads the instances'
 * metadata and status from the Redis cluster meta store the engines publish to ({@code llumnix engine
 * --cms-redis-host}), answers gateways over HTTP ({@link SchedulerHttpService}: {@code POST /v1/schedule},
 * {@code /v1/release}, {@code /v1/keepalive}, {@code GET /v1/autoscale}, {@code /metrics}, {@code /health}) and, by
 * default, runs the rescheduler colocated ({@code --no-rescheduler} leaves it to a {@code llumnix rescheduler}).
 * Prints {@code llumnix scheduler: serving at URL}; runs until SIGINT or SIGTERM.
 */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Runs the scheduler service (and, by default, the rescheduler) over a Redis cluster meta store until SIGINT/SIGTERM.")
final class SchedulerCommand implements Callable<Integer> {

    static final String SERVING_PREFIX = "llumnix scheduler: serving at ";

    @Option(names = "--redis", paramLabel = "HOST:PORT", required = true,
            description = "The Redis cluster meta store the engines publish their metadata and status to.")
    String redis;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8100", description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = 8100;

    @Option(names = "--rescheduler", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the rescheduler in this process (default: enabled; --no-rescheduler when a separate 'llumnix rescheduler' runs).")
    boolean colocatedRescheduler = true;

    @Option(names = "--gateway-keepalive-timeout-ms", paramLabel = "MS", defaultValue = "10000",
            description = "A gateway silent this long is presumed dead and its requests released (default ${DEFAULT-VALUE}).")
    long gatewayKeepaliveTimeoutMs = 10_000;

    @Option(names = "--internal-auth-token", paramLabel = "TOKEN", defaultValue = "",
            description = "Require 'Authorization: Bearer TOKEN' on every call from gateways (default: none).")
    String internalAuthToken = "";

    @Mixin
    ServeSchedulingOptions scheduling = new ServeSchedulingOptions();

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws InterruptedException {
        Running running = start();
        main.out().println(SERVING_PREFIX + running.service().baseUri() + (running.control().reschedules() ? " (with the rescheduler)" : ""));
        main.out().flush();
        awaitShutdown(running, "llumnix-scheduler-shutdown");
        return 0;
    }

    /** Blocks until the JVM is asked to stop, then closes {@code running}. */
    static void awaitShutdown(AutoCloseable running, String name) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name(name).unstarted(() -> {
            try {
                running.close();
            } catch (Exception e) {
                // Shutting down anyway.
            } finally {
                stopped.countDown();
            }
        }));
        stopped.await();
    }

    /** Starts the control plane and the HTTP service; the caller closes the result. */
    Running start() {
        SchedulerServiceConfig serviceConfig;
        try {
            serviceConfig = new SchedulerServiceConfig(host, port, Duration.ofMillis(gatewayKeepaliveTimeoutMs), internalAuthToken);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        SchedulerConfig schedulerConfig = scheduling.schedulerConfig();
        ClusterControl control = new ClusterControl(ClusterControl.parseRedis("--redis", redis), schedulerConfig,
                scheduling.reschedulingConfig(schedulerConfig), colocatedRescheduler,
                scheduling.autoscaleConfig(schedulerConfig, scheduling.minInstances), scheduling.pullInterval());
        try {
            return new Running(control, SchedulerHttpService.start(control.scheduler(), control.advisor(), serviceConfig, Clock.system()));
        } catch (UncheckedIOException e) {
            control.close();
            throw new UserException(String.valueOf(e.getMessage()), e);
        } catch (RuntimeException e) {
            control.close();
            throw e;
        }
    }

    /** A running scheduler process: its control plane and the service gateways call. */
    record Running(ClusterControl control, SchedulerHttpService service) implements AutoCloseable {
        @Override
        public void close() {
            try {
                service.close();
            } finally {
                control.close();
            }
        }
    }
}
