package io.llumnix.cli;

import io.llumnix.engine.bench.BenchOptions;
import io.llumnix.engine.bench.BenchResult;
import io.llumnix.engine.bench.EngineBenchmark;
import io.llumnix.engine.model.SyntheticSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix bench engine}: runs {@link EngineBenchmark} (prefill, single-stream decode, batched decode at
 * 1/8/32, vector vs scalar kernels) on stories260K and a ~100M-parameter synthetic model, prints the table,
 * and with {@code --json} writes the summary ({@code batch32_over_batch1}, {@code vector_over_scalar}, …)
 * and every measurement as JSON.
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Benchmarks the engine: prefill, decode and batched decode tokens/s, and the vector kernels' speedup over scalar.")
final class BenchEngineCommand implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary and measurements as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @Option(names = "--model", paramLabel = "PATH",
            description = "The real checkpoint to benchmark besides the synthetic model (default: " + ServeCommand.DEFAULT_MODEL
                    + " under the repository root, when present). A synthetic:… spec here replaces --synthetic.")
    Optional<String> model = Optional.empty();

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Its tokenizer (default: " + ServeCommand.DEFAULT_TOKENIZER_NAME
            + " beside the default checkpoint).")
    Optional<Path> tokenizer = Optional.empty();

    @Option(names = "--synthetic", paramLabel = "SPEC", description = "The synthetic model of the summary ratios (default: "
            + BenchOptions.DEFAULT_SYNTHETIC + ").")
    String synthetic = BenchOptions.DEFAULT_SYNTHETIC;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed repetitions per figure (default ${DEFAULT-VALUE}).")
    int warmup = 1;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "5",
            description = "Timed repetitions per figure; figures are medians (default ${DEFAULT-VALUE}).")
    int repetitions = 5;

    @ParentCommand
    BenchCommand bench;

    @Override
    public Integer call() {
        Main main = bench.main;
        BenchOptions options = BenchOptions.defaults().withOut(main.out()).withRepetitions(warmup, repetitions);
        String syntheticSpec = synthetic;
        Optional<String> checkpoint = model;
        if (model.isPresent() && SyntheticSpec.matches(model.get())) {
            syntheticSpec = model.get();
            checkpoint = Optional.empty();
        }
        options = options.withSyntheticSpec(syntheticSpec);
        if (checkpoint.isPresent()) {
            Path ckpt = Path.of(checkpoint.get());
            ModelOptions.requireFile(ckpt, "--model");
            Path tok = tokenizer.orElseThrow(() -> new UserException("--model " + ckpt + " needs its --tokenizer"));
            ModelOptions.requireFile(tok, "--tokenizer");
            options = options.withStories(ckpt, tok);
        } else if (model.isEmpty()) {
            Path home = Path.of(Optional.ofNullable(System.getenv("LLUMNIX_HOME")).orElse("."));
            Path ckpt = home.resolve(ServeCommand.DEFAULT_MODEL).toAbsolutePath().normalize();
            Path tok = tokenizer.orElse(ckpt.resolveSibling(ServeCommand.DEFAULT_TOKENIZER_NAME));
            if (Files.isRegularFile(ckpt) && Files.isRegularFile(tok)) {
                options = options.withStories(ckpt, tok);
            } else {
                main.err().println("llumnix bench engine: " + ckpt + " not found; benchmarking the synthetic model only");
            }
        }
        BenchResult result = EngineBenchmark.run(options);
        json.ifPresent(file -> JsonOutput.write(file, result.toMap()));
        return 0;
    }
}
