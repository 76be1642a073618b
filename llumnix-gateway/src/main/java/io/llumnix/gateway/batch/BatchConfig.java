package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where and how the gateway keeps and runs batches. Immutable.
 *
 * @param directory the batch store: uploaded files, output files, batch metadata and journals; one gateway at a time
 *     (it is locked while in use)
 * @param maxFileBytes uploads larger than this are refused with 400 (OpenAI's limit is 200 MB)
 * @param maxLinesPerFile requests one input file may hold (OpenAI's limit is 50,000)
 * @param concurrency batch lines executed at once over all batches; bounded so that batch work never crowds out
 *     online traffic, which the engines already favour by priority
 */
public record BatchConfig(Path directory, long maxFileBytes, int maxLinesPerFile, int concurrency) {

    public BatchConfig {
        requireNonNull(directory, "directory is null");
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("--batch-max-file-bytes must be positive, got " + maxFileBytes);
        }
        if (maxLinesPerFile < 1) {
            throw new IllegalArgumentException("the line limit of a batch file must be positive, got " + maxLinesPerFile);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--batch-concurrency must be at least 1, got " + concurrency);
        }
    }

    /** 200 MiB files, 50,000 lines, 4 lines at once. */
    public static BatchConfig defaults(Path directory) {
        return new BatchConfig(directory, 200L * 1024 * 1024, 50_000, 4);
    }

    public BatchConfig withMaxFileBytes(long v) {
        return new BatchConfig(directory, v, maxLinesPerFile, concurrency);
    }

    public BatchConfig withConcurrency(int v) {
        return new BatchConfig(directory, maxFileBytes, maxLinesPerFile, v);
    }
}
