package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.gateway.batch.BatchRecord.RequestCounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The files and batches of one batch directory, and the jobs running the unfinished batches. Opening it locks the
 * directory (one gateway per directory: two would run the same lines), reads every file and batch back, and resumes
 * the batches that were not finished. Layout: {@code files/} ({@link FileStore}), {@code batches/<id>.json} (the
 * {@link BatchRecord}) and {@code batches/<id>.journal} (its {@link BatchJournal}).
 *
 * <p>Thread-safe; blocking (call it off the event loop). Every method that takes an owner shows only that owner's
 * objects, as if the others did not exist.
 */
final class BatchService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchService.class);

    static final String PURPOSE_BATCH = "batch";
    static final String COMPLETION_WINDOW = "24h";
    private static final long WINDOW_SECONDS = 24 * 3600;

    private final BatchConfig config;
    private final LineExecutor executor;
    private final Clock clock;
    private final JsonMapper json;
    private final FileStore files;
    private final Path batchDir;
    private final Semaphore permits;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConcurrentMap<String, BatchJob> jobs = new ConcurrentHashMap<>();

    BatchService(BatchConfig config, LineExecutor executor, Clock clock, JsonMapper json) {
        this.config = requireNonNull(config, "config is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.json = requireNonNull(json, "json is null");
        this.permits = new Semaphore(config.concurrency(), true);
        Path dir = config.directory();
        try {
            Files.createDirectories(dir);
            this.lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new IllegalStateException("the batch directory " + dir + " is in use by another gateway; give each its own --batch-dir");
            }
            this.lock = l;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the batch directory " + dir, e);
        }
        try {
            this.files = new FileStore(dir.resolve("files"), clock, json);
            this.batchDir = Files.createDirectories(dir.resolve("batches"));
            load();
        } catch (IOException | RuntimeException e) {
            releaseLock();
            throw e instanceof IOException io ? new UncheckedIOException("cannot open the batch directory " + dir, io) : (RuntimeException) e;
        }
        jobs.values().forEach(BatchJob::start);
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(batchDir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.endsWith(AtomicFiles.TEMP_SUFFIX)) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(".json")) {
                    try {
                        BatchRecord r = BatchRecord.fromJson(json.readTree(Files.readAllBytes(p)));
                        jobs.put(r.id(), newJob(r));
                        if (!r.status().terminal()) {
                            log.info("resuming batch {} ({})", r.id(), r.status().wireName());
                        }
                    } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
                        log.warn("ignoring unreadable batch metadata {}: {}", p, e.toString());
                    }
                }
            }
        }
    }

    private BatchJob newJob(BatchRecord r) {
        return new BatchJob(r, batchDir.resolve(r.id() + ".json"), batchDir.resolve(r.id() + ".journal"), files, executor, permits, clock,
                json);
    }

    BatchConfig config() {
        return config;
    }

    /** A fresh file id and the path its upload should be written to before {@link #adoptUpload}. */
    UploadSlot newUpload() {
        String id = BatchIds.file();
        return new UploadSlot(id, files.tempPath(id));
    }

    record UploadSlot(String id, Path path) {}

    /** Validates an uploaded file (a batch input must be valid JSONL requests) and makes it a file; 400 if invalid. */
    StoredFile adoptUpload(UploadSlot slot, String filename, String purpose, String owner) throws IOException {
        try {
            if (!PURPOSE_BATCH.equals(purpose)) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "purpose must be '" + PURPOSE_BATCH + "' (this gateway stores batch input "
                        + "files only), got '" + purpose + "'", "purpose");
            }
            BatchInput.scan(slot.path(), config.maxLinesPerFile(), json, line -> true);
            return files.adopt(slot.id(), slot.path(), filename, purpose, owner);
        } finally {
            Files.deleteIfExists(slot.path());
        }
    }

    Optional<StoredFile> file(String id, String owner) {
        return BatchIds.plausible(id) ? files.find(id, owner) : Optional.empty();
    }

    Path content(StoredFile f) {
        return files.contentPath(f.id());
    }

    List<StoredFile> files(String owner, Optional<String> purpose) {
        return files.list(owner).stream().filter(f -> purpose.isEmpty() || purpose.get().equals(f.purpose())).toList();
    }

    /** Deletes the file; 400 while an unfinished batch reads it. */
    void deleteFile(StoredFile f) {
        for (BatchJob job : jobs.values()) {
            if (job.needs(f.id())) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "File " + f.id() + " is the input of batch " + job.id()
                        + ", which has not finished; cancel it or wait", "file_id");
            }
        }
        files.delete(f.id());
    }

    /** Creates and starts a batch after checking everything a client can get wrong (400 with the offending param). */
    BatchRecord create(String owner, String inputFileId, String endpoint, String completionWindow, Map<String, String> metadata)
            throws IOException {
        if (!BatchInput.ENDPOINTS.contains(endpoint)) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "endpoint must be one of " + BatchInput.ENDPOINTS.stream().sorted().toList()
                    + ", got '" + truncate(endpoint) + "'", "endpoint");
        }
        if (!COMPLETION_WINDOW.equals(completionWindow)) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "completion_window must be '" + COMPLETION_WINDOW + "', got '"
                    + truncate(completionWindow) + "'", "completion_window");
        }
        StoredFile input = file(inputFileId, owner).orElseThrow(() -> new LlumnixException(ErrorCode.INVALID_REQUEST,
                "No file with id '" + truncate(inputFileId) + "'", "input_file_id"));
        if (!PURPOSE_BATCH.equals(input.purpose())) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "File " + inputFileId + " has purpose '" + input.purpose()
                    + "'; a batch needs a file uploaded with purpose 'batch'", "input_file_id");
        }
        int total = BatchInput.scan(files.contentPath(input.id()), config.maxLinesPerFile(), json, line -> {
            if (!line.url().equals(endpoint)) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "Line " + line.lineNumber() + " of file " + inputFileId + " has url "
                        + line.url() + " but the batch endpoint is " + endpoint + "; all requests of a batch must use its endpoint", "endpoint");
            }
            return true;
        });
        long now = clock.currentTimeMillis() / 1000;
        BatchRecord r = new BatchRecord(BatchIds.batch(), owner, endpoint, input.id(), completionWindow, metadata, BatchStatus.VALIDATING, null,
                now, now + WINDOW_SECONDS, Map.of(), null, null, new RequestCounts(total, 0, 0), List.of());
        AtomicFiles.write(batchDir.resolve(r.id() + ".json"), json.writeValueAsBytes(r.toJson(json)));
        BatchJob job = newJob(r);
        jobs.put(r.id(), job);
        job.start();
        return job.view();
    }

    Optional<BatchRecord> batch(String id, String owner) {
        BatchJob job = jobs.get(id);
        if (job == null) {
            return Optional.empty();
        }
        BatchRecord r = job.view();
        return r.owner().equals(owner) ? Optional.of(r) : Optional.empty();
    }

    /** The owner's batches, newest first. */
    List<BatchRecord> batches(String owner) {
        List<BatchRecord> out = new ArrayList<>();
        for (BatchJob job : jobs.values()) {
            BatchRecord r = job.view();
            if (r.owner().equals(owner)) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(BatchRecord::createdAt).reversed().thenComparing(BatchRecord::id, Comparator.reverseOrder()));
        return out;
    }

    /** Cancels the batch; 400 if it already finished otherwise than cancelled. */
    Optional<BatchRecord> cancel(String id, String owner) {
        if (batch(id, owner).isEmpty()) {
            return Optional.empty();
        }
        BatchRecord r = jobs.get(id).cancel();
        if (r.status().terminal() && r.status() != BatchStatus.CANCELLED) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "Batch " + id + " is already " + r.status().wireName()
                    + " and cannot be cancelled");
        }
        return Optional.of(r);
    }

    /** Stops every running batch where it is (what is journaled stays done) and releases the directory. */
    @Override
    public void close() {
        jobs.values().forEach(BatchJob::stop);
        jobs.values().forEach(BatchJob::awaitStopped);
        releaseLock();
    }

    private void releaseLock() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("cannot release the batch directory lock: {}", e.toString());
        }
    }

    private static String truncate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
