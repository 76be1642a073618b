package io.llumnix.cli;

import io.llumnix.scheduler.SchedulerConfig;
import io.llumnix.scheduler.rescheduling.ReschedulingConfig;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix rescheduler}: the rescheduler as a process of its own, for a {@code llumnix scheduler
 * --no-rescheduler}. It reads the same Redis cluster meta store and migrates requests between the instances over
 * their llumlets; it serves no HTTP. Runs until SIGINT or SIGTERM.
 */
@Command(name = "rescheduler", mixinStandardHelpOptions = true,
        description = "Runs the rescheduler (live migration between instances) over a Redis cluster meta store until SIGINT/SIGTERM.")
final class ReschedulerCommand implements Callable<Integer> {

    @Option(names = "--redis", paramLabel = "HOST:PORT", required = true,
            description = "The Redis cluster meta store the engines publish their metadata and status to.")
    String redis;

    @Mixin
    ServeSchedulingOptions scheduling = new ServeSchedulingOptions();

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws InterruptedException {
        ClusterControl control = start();
        main.out().println("llumnix rescheduler: rescheduling the instances in Redis " + redis);
        main.out().flush();
        SchedulerCommand.awaitShutdown(control, "llumnix-rescheduler-shutdown");
        return 0;
    }

    ClusterControl start() {
        SchedulerConfig schedulerConfig = scheduling.schedulerConfig();
        ReschedulingConfig rescheduling = scheduling.reschedulingConfig(schedulerConfig);
        if (!rescheduling.enableRescheduling()) {
            throw new UserException("rescheduling is disabled (it needs --enable-full-mode-scheduling and --enable-rescheduling)");
        }
        return new ClusterControl(ClusterControl.parseRedis("--redis", redis), schedulerConfig, rescheduling, true, Optional.empty(),
                scheduling.pullInterval());
    }
}
