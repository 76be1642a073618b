package io.llumnix.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llumnix bench engine}: the engine's throughput benchmark. */
@Command(name = "engine", mixinStandardHelpOptions = true, description = "Benchmarks the engine: prefill, decode, batched decode, vector vs scalar kernels.")
final class BenchEngineCommand implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @Override
    public Integer call() {
        throw new UserException("the engine benchmark is not available in this build yet");
    }
}
