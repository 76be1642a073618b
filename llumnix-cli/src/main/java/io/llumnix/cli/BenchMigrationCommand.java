package io.llumnix.cli;

import io.llumnix.llumlet.bench.MigrationBenchOptions;
import io.llumnix.llumlet.bench.MigrationBenchmark;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix bench migration}: live migration between two engine processes over loopback — downtime and
 * total time per prompt length, next to a blocking copy and recompute, the slowdown of the source's other
 * requests, the KV transfer rate against an in-memory copy, and token identity of every migrated output.
 */
@Command(name = "migration", mixinStandardHelpOptions = true,
        description = "Benchmarks live migration against blocking copy and recompute, across two processes on loopback.")
final class BenchMigrationCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "SPEC", description = "A synthetic:… model spec both instances serve (default: "
            + MigrationBenchOptions.DEFAULT_MODEL + ").")
    Optional<String> model = Optional.empty();

    @Option(names = "--lengths", paramLabel = "N,N,…", split = ",", description = "Prompt lengths in tokens (default 256,1024,4096,8192).")
    List<Integer> lengths = List.of();

    @Option(names = "--repetitions", paramLabel = "N", description = "Measured migrations per length and mode; figures are medians.")
    Optional<Integer> repetitions = Optional.empty();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary (downtime_ms, downtime_ratio_max_over_min, "
            + "recompute_over_downtime_at_max, blocking_copy_over_downtime_at_max, others_slowdown, identical) as JSON.")
    Optional<Path> json = Optional.empty();

    @ParentCommand
    BenchCommand bench;

    @Override
    public Integer call() {
        MigrationBenchOptions options = MigrationBenchOptions.defaults();
        if (model.isPresent()) {
            options = options.withModel(model.get());
        }
        if (!lengths.isEmpty()) {
            options = options.withLengths(lengths);
        }
        if (repetitions.isPresent()) {
            options = options.withRepetitions(options.warmup(), repetitions.get());
        }
        if (json.isPresent()) {
            options = options.withJson(json.get());
        }
        MigrationBenchmark.run(options, bench.main.out());
        return 0;
    }
}
