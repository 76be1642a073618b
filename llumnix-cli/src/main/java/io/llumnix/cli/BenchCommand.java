package io.llumnix.cli;

import picocli.CommandLine.Command;

/** {@code llumnix bench}: groups the benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchEngineCommand.class, BenchSchedulerCommand.class, BenchMigrationCommand.class, BenchGatewayCommand.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.ParentCommand
    Main main;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a benchmark: engine, scheduler, migration, gateway");
    }
}
