package io.llumnix.sim.workload.parser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shared trace folder. The repository is checked out with {@code shared/} beside it, so the traces are
 * {@code ../shared/traces} from the repository root; from any directory below, walk up the parents until one holds
 * {@code shared/traces}. The system property {@value #PROPERTY} overrides the search.
 *
 * <p>Stateless and thread-safe.
 */
public final class SharedTraces {

    /** System property naming the trace folder explicitly. */
    public static final String PROPERTY = "llumnix.traces.dir";

    public static final String AZURE_CONV = "azure-2023/AzureLLMInferenceTrace_conv.csv";
    public static final String AZURE_CODE = "azure-2023/AzureLLMInferenceTrace_code.csv";
    public static final String MOONCAKE_CONVERSATION = "mooncake/conversation_trace.jsonl";
    public static final String SHAREGPT_LENGTHS = "sharegpt/sharegpt_8k_filtered_stats_llama2_tokenizer.csv";

    private SharedTraces() {}

    /** The trace folder found from {@code start} upwards, or from the property when set. */
    public static Optional<Path> locate(Path start) {
        String override = System.getProperty(PROPERTY);
        if (override != null && !override.isBlank()) {
            Path dir = Path.of(override);
            return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
        }
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("traces");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The trace folder found from the working directory, or a failure saying where it was looked for. */
    public static Path require() {
        Path cwd = Path.of("").toAbsolutePath();
        return locate(cwd).orElseThrow(() -> new IllegalArgumentException(
                "no shared/traces folder in " + cwd + " or any parent (set -D" + PROPERTY + "=DIR to point at it)"));
    }

    /** A file of the shared traces, e.g. {@code resolve(AZURE_CONV)}. */
    public static Path resolve(String relative) {
        return require().resolve(relative);
    }
}
