package io.llumnix.cli;

import io.llumnix.gateway.bench.GatewayBenchmark;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix bench gateway}: requests/s and added latency of the gateway in front of a mock OpenAI-compatible
 * streaming backend, next to the same backend reached directly and through nginx, in one run.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Benchmarks the gateway against direct access and nginx in front of a mock streaming OpenAI backend.")
final class BenchGatewayCommand implements Callable<Integer> {

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "32", description = "Concurrent streaming clients (default ${DEFAULT-VALUE}).")
    int concurrency = 32;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "16", description = "SSE chunks per answer (default ${DEFAULT-VALUE}).")
    int tokens = 16;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10", description = "Measured seconds per target (default ${DEFAULT-VALUE}).")
    double durationSeconds = 10;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "3", description = "Warm-up seconds per target (default ${DEFAULT-VALUE}).")
    double warmupSeconds = 3;

    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "10000000",
            description = "Measured requests per target at most (default ${DEFAULT-VALUE}).")
    long maxRequests = 10_000_000L;

    @Option(names = "--no-nginx", description = "Skip the nginx target.")
    boolean noNginx;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary (throughput_ratio_vs_nginx, "
            + "added_p99_ratio_vs_nginx and the raw figures per target) as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @ParentCommand
    BenchCommand bench;

    @Override
    public Integer call() {
        if (!(durationSeconds > 0 && durationSeconds <= 3600) || !(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw new UserException("--duration must be in (0, 3600] and --warmup in [0, 3600] seconds");
        }
        GatewayBenchmark.Options options;
        try {
            options = new GatewayBenchmark.Options(concurrency, tokens, Duration.ofMillis(Math.round(durationSeconds * 1000)),
                    Duration.ofMillis(Math.round(warmupSeconds * 1000)), maxRequests, !noNginx);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        GatewayBenchmark.Result result = GatewayBenchmark.run(options, bench.main.out());
        json.ifPresent(file -> JsonOutput.write(file, result.summary()));
        return 0;
    }
}
