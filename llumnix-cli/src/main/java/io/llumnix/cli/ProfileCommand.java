package io.llumnix.cli;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.SharedAssets;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.model.SyntheticSpec;
import io.llumnix.sim.latency.EngineProfiler;
import io.llumnix.sim.latency.LatencyFitter;
import io.llumnix.sim.latency.LatencyProfile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix profile}: measures our CPU engine — prefill time over prompt lengths, decode step time over batch
 * sizes and context sums — fits the simulator's step-cost model to it by least squares, prints the fit and writes a
 * latency profile that {@code llumnix simulate --profile FILE} loads.
 *
 * <p>Not thread-safe (picocli fills it in); one run per instance.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Measures the CPU engine's step times and writes a latency profile for the simulator (llumnix simulate --profile).")
final class ProfileCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "PATH|synthetic:SPEC",
            description = "Checkpoint to profile (default: stories260K from shared/models).")
    Optional<String> model = Optional.empty();

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Its tokenizer (default: tok512.bin beside the default checkpoint).")
    Optional<Path> tokenizer = Optional.empty();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Profile file to write (default: <model>-cpu-profile.json).")
    Optional<Path> output = Optional.empty();

    @Option(names = "--name", paramLabel = "NAME", description = "Profile name (default: <model>-cpu, with -paced-<ms>ms when paced).")
    Optional<String> name = Optional.empty();

    @Option(names = "--repetitions", paramLabel = "N", description = "Timed repetitions of every point, fitted at their median (default 5; 3 with --quick).")
    Optional<Integer> repetitions = Optional.empty();

    @Option(names = "--quick", description = "Fewer points and repetitions: a profile in about a second.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the fit and every sample as JSON to FILE.")
    Optional<Path> json = Optional.empty();

    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        LoadedModel loaded = load();
        EngineConfig config = engine.toConfig(loaded.shape(), 0);
        long minStepNanos = engine.minStepNanos();
        EngineProfiler.Settings settings = quick ? EngineProfiler.Settings.quick() : EngineProfiler.Settings.defaults();
        if (repetitions.isPresent()) {
            if (repetitions.get() < 1) {
                throw new UserException("--repetitions must be at least 1, got " + repetitions.get());
            }
            settings = new EngineProfiler.Settings(settings.prefillLengths(), settings.batchSizes(), settings.contextFractions(),
                    settings.warmup(), repetitions.get(), settings.seed());
        }
        String profileName = name.orElse(loaded.defaultServedName() + "-cpu"
                + (minStepNanos > 0 ? String.format(Locale.ROOT, "-paced-%sms", trim(engine.minStepMs)) : ""));
        String description = "llumnix profile of " + loaded.description() + " on " + Runtime.getRuntime().availableProcessors()
                + " CPUs" + (minStepNanos > 0 ? ", steps paced to at least " + trim(engine.minStepMs) + " ms" : "");
        main.err().println("profiling " + loaded.description() + " ...");
        EngineProfiler.Result result = EngineProfiler.profile(loaded, config, minStepNanos, settings, profileName, description);
        Path file = output.orElse(Path.of(loaded.defaultServedName() + "-cpu-profile.json"));
        result.profile().write(file);
        print(main.out(), result, file);
        json.ifPresent(f -> JsonOutput.write(f, toMap(result, file)));
        return 0;
    }

    private LoadedModel load() {
        if (model.isPresent()) {
            if (!SyntheticSpec.matches(model.get())) {
                ModelOptions.requireFile(Path.of(model.get()), "--model");
                if (tokenizer.isEmpty()) {
                    throw new UserException("--model " + model.get() + " needs its --tokenizer");
                }
            }
            tokenizer.ifPresent(t -> ModelOptions.requireFile(t, "--tokenizer"));
            return ModelLoader.load(model.get(), tokenizer);
        }
        Path dir;
        try {
            dir = SharedAssets.storiesDir();
        } catch (IllegalStateException e) {
            throw new UserException(e.getMessage(), e);
        }
        Path tok = tokenizer.orElse(dir.resolve(ServeCommand.DEFAULT_TOKENIZER_NAME));
        ModelOptions.requireFile(tok, "--tokenizer");
        return ModelLoader.load(dir.resolve("stories260K.bin").toString(), Optional.of(tok));
    }

    static void print(PrintStream out, EngineProfiler.Result r, Path file) {
        LatencyFitter.PrefillFit p = r.fit().prefill();
        LatencyFitter.DecodeFit d = r.fit().decode();
        out.printf(Locale.ROOT, "prefill: ms = max(%.3f, %.5f * tokens)   rmse %.3f ms   (%d samples, %d..%d tokens)%n", p.floorMs(),
                p.msPerToken(), p.rmseMs(), r.prefill().size(),
                r.prefill().stream().mapToInt(s -> s.tokens()).min().orElse(0), r.prefill().stream().mapToInt(s -> s.tokens()).max().orElse(0));
        out.printf(Locale.ROOT, "decode:  ms = %.3f + %.5f * batch + %.7f * context   R^2 %.3f   rmse %.3f ms   (%d samples)%n",
                d.baseMs(), d.msPerSequence(), d.msPerContextToken(), d.rSquared(), d.rmseMs(), r.decode().size());
        LatencyProfile profile = r.profile();
        out.printf(Locale.ROOT, "geometry: %d-token blocks of %d bytes, %d blocks, max %d batched tokens, %d seqs, %d context%n",
                profile.blockTokens(), profile.blockBytes(), profile.blocksPerInstance(), profile.maxBatchedTokens(), profile.maxNumSeqs(),
                profile.maxSeqLen());
        out.println("profile: " + file.toAbsolutePath());
    }

    private static Map<String, Object> toMap(EngineProfiler.Result r, Path file) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile_file", file.toAbsolutePath().toString());
        m.put("prefill_ms_per_token", r.fit().prefill().msPerToken());
        m.put("prefill_floor_ms", r.fit().prefill().floorMs());
        m.put("prefill_rmse_ms", r.fit().prefill().rmseMs());
        m.put("decode_base_ms", r.fit().decode().baseMs());
        m.put("decode_ms_per_sequence", r.fit().decode().msPerSequence());
        m.put("decode_ms_per_context_token", r.fit().decode().msPerContextToken());
        m.put("decode_r_squared", r.fit().decode().rSquared());
        m.put("decode_rmse_ms", r.fit().decode().rmseMs());
        m.put("prefill_samples", r.prefill());
        m.put("decode_samples", r.decode());
        return m;
    }

    private static String trim(double ms) {
        return ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
    }
}
