package io.llumnix.cli;

import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.model.SyntheticSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --model} and {@code --tokenizer}, shared by the commands that load a model.
 *
 * <p>Not thread-safe (picocli fills it in).
 */
final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "PATH|synthetic:SPEC",
            description = "A llama2.c checkpoint (e.g. stories260K.bin), or a synthetic model such as "
                    + "synthetic:dim=1024,layers=16,heads=16,kvheads=8,hidden=2816,vocab=32000,seq=8192,seed=1.")
    String model = "";

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "The llama2.c tokenizer (e.g. tok512.bin). Synthetic models may omit it.")
    Optional<Path> tokenizer = Optional.empty();

    /** Checks the files exist (one clear line if not), then loads. */
    LoadedModel load() {
        if (!SyntheticSpec.matches(model)) {
            requireFile(Path.of(model), "--model");
        }
        tokenizer.ifPresent(t -> requireFile(t, "--tokenizer"));
        return ModelLoader.load(model, tokenizer);
    }

    static void requireFile(Path path, String flag) {
        if (!Files.isRegularFile(path)) {
            throw new UserException(flag + ": no such file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new UserException(flag + ": cannot read " + path);
        }
    }
}
