package io.llumnix.cli;

import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.batch.BatchConfig;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The batch API flags of {@code llumnix gateway} and {@code llumnix serve}. Batches are kept in {@code --batch-dir},
 * by default {@code $XDG_STATE_HOME/llumnix/batches} ({@code ~/.local/state/llumnix/batches}); a directory serves one
 * gateway at a time, so a second gateway on the default directory runs without the batch API (with a warning), while
 * an explicit {@code --batch-dir} in use is an error.
 */
final class BatchOptions {

    private static final Logger log = LoggerFactory.getLogger(BatchOptions.class);

    @Option(names = "--batch-dir", paramLabel = "PATH",
            description = "Where the Files and Batches API keeps files, batches and their journals; unfinished batches resume from it "
                    + "after a restart (default: $XDG_STATE_HOME/llumnix/batches, else ~/.local/state/llumnix/batches).")
    Optional<Path> dir = Optional.empty();

    @Option(names = "--batch-concurrency", paramLabel = "N", defaultValue = "4",
            description = "Batch lines executed at once, at low priority, over all batches (default ${DEFAULT-VALUE}).")
    int concurrency = 4;

    @Option(names = "--batch-max-file-bytes", paramLabel = "BYTES", defaultValue = "209715200",
            description = "Largest batch input file accepted (default ${DEFAULT-VALUE}, OpenAI's 200 MiB).")
    long maxFileBytes = 200L * 1024 * 1024;

    /** Enables the batch API on {@code gateway}; on a fatal error closes {@code owner} (what holds the gateway) and throws. */
    void enable(Gateway gateway, AutoCloseable owner) {
        BatchConfig config;
        try {
            config = BatchConfig.defaults(dir.orElseGet(BatchOptions::defaultDir)).withConcurrency(concurrency).withMaxFileBytes(maxFileBytes);
        } catch (IllegalArgumentException e) {
            closeQuietly(owner);
            throw new UserException(e.getMessage(), e);
        }
        try {
            gateway.enableBatches(config);
        } catch (RuntimeException e) {
            if (dir.isEmpty()) {
                log.warn("batch API disabled: {} (pass --batch-dir)", e.getMessage());
                return;
            }
            closeQuietly(owner);
            throw new UserException("--batch-dir: " + e.getMessage(), e);
        }
    }

    static Path defaultDir() {
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("llumnix").resolve("batches");
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("error while closing after a batch API failure: {}", e.toString());
        }
    }
}
