package io.llumnix.engine.model;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.kernel.KernelChoice;
import io.llumnix.engine.kernel.Kernels;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.util.HashMap;
import java.util.Map;

/**
 * A model in memory (its fp32 weights, shape and tokenizer), from which any number of executors can be made,
 * e.g. one per engine instance. Obtain it from {@link ModelLoader#load}.
 *
 * <p>Memory: the row-major weights stay resident; the first executor for the vector kernels adds a packed copy
 * of every matrix that all later vector executors share (scalar executors use the row-major arrays directly).
 * Each executor owns its own KV cache.
 *
 * <p>Thread-safe.
 */
public final class LoadedModel {

    private final String defaultServedName;
    private final String description;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final Map<String, ExecutorWeights> packed = new HashMap<>();

    LoadedModel(String defaultServedName, String description, ModelWeights weights, Tokenizer tokenizer) {
        this.defaultServedName = requireNonNull(defaultServedName, "defaultServedName is null");
        this.description = requireNonNull(description, "description is null");
        this.weights = requireNonNull(weights, "weights is null");
        this.tokenizer = requireNonNull(tokenizer, "tokenizer is null");
        if (tokenizer.vocabSize() != weights.shape().vocabSize()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary has "
                    + weights.shape().vocabSize());
        }
    }

    /** The name to serve the model under unless configured: the checkpoint's file name without extension, or {@code synthetic}. */
    public String defaultServedName() {
        return defaultServedName;
    }

    /** Where the model came from and its size, for logs, e.g. {@code llama2.c checkpoint /m/stories260K.bin, 0.26M params}. */
    public String description() {
        return description;
    }

    public ModelShape shape() {
        return weights.shape();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Whether the classifier shares the token embedding. */
    public boolean tiedClassifier() {
        return weights.tiedClassifier();
    }

    /** A new executor with its own KV cache of {@code numKvBlocks} blocks of {@code blockSize} tokens, on the best kernels available. */
    public TransformerExecutor newExecutor(int numKvBlocks, int blockSize) {
        return newExecutor(numKvBlocks, blockSize, KernelChoice.AUTO);
    }

    /**
     * A new executor on the chosen kernels (benchmarks compare {@link KernelChoice#VECTOR} with
     * {@link KernelChoice#SCALAR}).
     *
     * @throws IllegalArgumentException if the KV cache dimensions are not positive or do not fit in memory
     * @throws IllegalStateException if {@link KernelChoice#VECTOR} is asked for without the Vector API module
     */
    public TransformerExecutor newExecutor(int numKvBlocks, int blockSize, KernelChoice kernelChoice) {
        Kernels kernels = Kernels.create(requireNonNull(kernelChoice, "kernelChoice is null"));
        return new TransformerExecutor(packedFor(kernels), kernels, numKvBlocks, blockSize);
    }

    private synchronized ExecutorWeights packedFor(Kernels kernels) {
        return packed.computeIfAbsent(kernels.name(), k -> ExecutorWeights.pack(weights, kernels));
    }

    @Override
    public String toString() {
        return description;
    }
}
