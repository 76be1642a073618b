package io.llumnix.engine.model;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.tokenizer.Llama2Tokenizer;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a model argument (the {@code --model} flag) into a {@link LoadedModel}:
 * <ul>
 *   <li>{@code synthetic[:dim=…,layers=…,heads=…,kvheads=…,hidden=…,vocab=…,seq=…,seed=…]}: random weights of any
 *       shape (see {@link SyntheticSpec}) with a byte-level {@link SyntheticTokenizer}, or the given llama2.c
 *       tokenizer if one is passed;</li>
 *   <li>anything else: the path of a llama2.c legacy checkpoint, which needs its llama2.c tokenizer file.</li>
 * </ul>
 *
 * <p>Stateless; thread-safe. Every user error (missing file, bad header, size mismatch, bad spec) is an
 * {@link IllegalArgumentException} with a one-line message that names the path or key.
 */
public final class ModelLoader {

    private ModelLoader() {}

    /** Loads the model a {@code --model} argument names, with the tokenizer a {@code --tokenizer} argument names. */
    public static LoadedModel load(String modelArg, Optional<Path> tokenizerPath) {
        requireNonNull(modelArg, "modelArg is null");
        requireNonNull(tokenizerPath, "tokenizerPath is null");
        String arg = modelArg.strip();
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("no model given: pass a llama2.c checkpoint path or synthetic[:key=value,...]");
        }
        if (SyntheticSpec.matches(arg)) {
            return loadSynthetic(SyntheticSpec.parse(arg), tokenizerPath);
        }
        Path checkpoint = Path.of(arg);
        Path tokenizerFile = tokenizerPath.orElseThrow(() -> new IllegalArgumentException("llama2.c checkpoint " + checkpoint
                + " needs its tokenizer file (e.g. --tokenizer tokenizer.bin or tok512.bin)"));
        ModelWeights weights = Llama2Checkpoint.load(checkpoint);
        Tokenizer tokenizer = Llama2Tokenizer.load(tokenizerFile, weights.shape().vocabSize());
        return new LoadedModel(servedName(checkpoint), "llama2.c checkpoint " + checkpoint + ", " + params(weights.shape()), weights, tokenizer);
    }

    /** A synthetic model from an already parsed spec. */
    public static LoadedModel loadSynthetic(SyntheticSpec spec, Optional<Path> tokenizerPath) {
        requireNonNull(spec, "spec is null");
        long need = ModelWeights.bytes(spec.shape(), true);
        long max = Runtime.getRuntime().maxMemory();
        if (need > max) {
            throw new IllegalArgumentException(spec + " needs " + (need >> 20) + " MiB of heap for its weights but -Xmx allows "
                    + (max >> 20) + " MiB");
        }
        Tokenizer tokenizer = tokenizerPath.<Tokenizer>map(p -> Llama2Tokenizer.load(p, spec.vocabSize()))
                .orElseGet(() -> new SyntheticTokenizer(spec.vocabSize()));
        ModelWeights weights = SyntheticWeights.generate(spec);
        return new LoadedModel(SyntheticSpec.PREFIX, spec + ", " + params(spec.shape()), weights, tokenizer);
    }

    private static String servedName(Path checkpoint) {
        Path fileName = checkpoint.getFileName();
        String name = fileName == null ? checkpoint.toString() : fileName.toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String params(ModelShape shape) {
        double p = shape.parameterCount();
        return p >= 1e9 ? String.format(Locale.ROOT, "%.2fB params", p / 1e9)
                : p >= 1e6 ? String.format(Locale.ROOT, "%.1fM params", p / 1e6) : String.format(Locale.ROOT, "%.2fM params", p / 1e6);
    }
}
