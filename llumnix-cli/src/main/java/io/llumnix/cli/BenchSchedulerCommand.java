package io.llumnix.cli;

import io.llumnix.scheduler.bench.SchedulerBenchmark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix bench scheduler}: the load-balance policy's decision time (p50/p99) per cluster size and
 * its throughput with 8 concurrent callers, next to a loopback HTTP round trip measured in the same run.
 */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Benchmarks scheduling decisions per cluster size against a loopback HTTP round trip.")
final class BenchSchedulerCommand implements Callable<Integer> {

    @Option(names = "--instances", paramLabel = "N,N,…", split = ",", defaultValue = "16,64,256,1024",
            description = "Cluster sizes to measure (default ${DEFAULT-VALUE}).")
    List<Integer> instances = List.of(16, 64, 256, 1024);

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary (p99_decision_us, loopback_rtt_p50_us, "
            + "p99_over_rtt_at_max) as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @ParentCommand
    BenchCommand bench;

    @Override
    public Integer call() {
        int[] sizes = instances.stream().mapToInt(Integer::intValue).toArray();
        if (sizes.length == 0 || Arrays.stream(sizes).anyMatch(n -> n < 1 || n > 100_000)) {
            throw new UserException("--instances takes cluster sizes between 1 and 100000, got " + instances);
        }
        SchedulerBenchmark.Result result = SchedulerBenchmark.run(sizes, bench.main.out());
        json.ifPresent(file -> JsonOutput.write(file, result.summary()));
        return 0;
    }
}
