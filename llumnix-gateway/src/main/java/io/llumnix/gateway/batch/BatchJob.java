package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.LlumnixException;
import io.llumnix.gateway.batch.BatchRecord.BatchError;
import io.llumnix.gateway.batch.BatchRecord.RequestCounts;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One batch and, until it reaches a terminal state, the virtual thread that runs it: validating → in_progress (every
 * line without a journal entry is executed, at most {@code permits} lines at once over all batches) → finalizing or
 * cancelling (output and error files written under ids fixed beforehand) → completed, expired or cancelled.
 *
 * <p>Each state change is persisted before it takes effect, and each finished line is journaled before it counts, so
 * {@link #start} on a batch read back from disk continues where the previous process stopped. {@link #stop} (gateway
 * shutdown) abandons lines in flight without recording them: they run again after the restart.
 *
 * <p>Thread-safe.
 */
final class BatchJob {

    private static final Logger log = LoggerFactory.getLogger(BatchJob.class);

    /** Attempts per line on 5xx gateway answers or broken connections; 429 is retried until cancel or expiry. */
    static final int MAX_ATTEMPTS = 5;

    private final Path recordPath;
    private final Path journalPath;
    private final FileStore files;
    private final LineExecutor executor;
    private final Semaphore permits;
    private final Clock clock;
    private final JsonMapper json;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    /** Read without a lock (clients polling never wait on a disk write); changed only under the monitor. */
    private volatile BatchRecord record;
    private volatile boolean cancelRequested;
    private volatile boolean stopping;
    private volatile boolean running;
    private volatile @Nullable BatchJournal journal;

    BatchJob(BatchRecord record, Path recordPath, Path journalPath, FileStore files, LineExecutor executor, Semaphore permits, Clock clock,
            JsonMapper json) {
        this.record = requireNonNull(record, "record is null");
        this.recordPath = requireNonNull(recordPath, "recordPath is null");
        this.journalPath = requireNonNull(journalPath, "journalPath is null");
        this.files = requireNonNull(files, "files is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.permits = requireNonNull(permits, "permits is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.json = requireNonNull(json, "json is null");
        this.cancelRequested = record.status() == BatchStatus.CANCELLING;
    }

    /** The batch as clients see it now, with live request counts while it runs. */
    BatchRecord view() {
        BatchRecord record = this.record;
        if (!running || journal == null || record.status().terminal() || record.ending() != null) {
            return record; // not running, or still reading the journal back: the persisted counts
        }
        return record.withCounts(new RequestCounts(record.counts().total(), completed.get(), failed.get()));
    }

    String id() {
        return record.id();
    }

    /** Whether {@code fileId} is this unfinished batch's input (then it must not be deleted). */
    boolean needs(String fileId) {
        BatchRecord record = this.record;
        return !record.status().terminal() && record.inputFileId().equals(fileId);
    }

    /** Runs the batch to a terminal state on a virtual thread of its own (nothing to do if it is there already). */
    void start() {
        if (record().status().terminal()) {
            return;
        }
        running = true;
        Thread t = Thread.ofVirtual().name("llumnix-batch-" + id()).unstarted(this::run);
        threads.add(t);
        t.start();
    }

    /**
     * Asks the batch to stop taking new lines and to finish as cancelled. Lines in flight complete and are kept.
     * Returns the batch as it is then.
     */
    synchronized BatchRecord cancel() {
        if (record.status() == BatchStatus.VALIDATING || record.status() == BatchStatus.IN_PROGRESS) {
            persist(record.moveTo(BatchStatus.CANCELLING, now()));
            cancelRequested = true;
        }
        return view();
    }

    /** Gateway shutdown, first step: abandons lines in flight (not recorded: they run again after a restart). */
    void stop() {
        stopping = true;
        for (Thread t : threads) {
            t.interrupt();
        }
    }

    /** Gateway shutdown, second step: waits briefly for the batch's threads to end. */
    void awaitStopped() {
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run() {
        try {
            BatchRecord r = record();
            Path input = files.contentPath(r.inputFileId());
            int total;
            try {
                total = BatchInput.scan(input, Integer.MAX_VALUE, json, line -> true);
            } catch (IOException | LlumnixException e) {
                synchronized (this) {
                    persist(record.failed(List.of(new BatchError("invalid_file", "The input file " + r.inputFileId()
                            + " cannot be read: " + e.getMessage(), "input_file_id", null)), now()));
                }
                return;
            }
            BatchJournal j = BatchJournal.open(journalPath, json);
            failed.set(j.failed());
            completed.set(j.size() - j.failed());
            journal = j;
            synchronized (this) {
                if (record.status() == BatchStatus.VALIDATING) {
                    persist(record.moveTo(BatchStatus.IN_PROGRESS, now()).withCounts(new RequestCounts(total, 0, 0)));
                }
            }
            if (record().status() == BatchStatus.IN_PROGRESS) {
                executeAll(input);
                if (!stopping && !cancelRequested && !expired() && j.size() < total) {
                    log.error("batch {}: lines failed internally; it stays in progress and resumes after a restart", id());
                    return;
                }
            }
            if (!stopping) {
                finish(input, total);
            }
        } catch (IOException | RuntimeException e) {
            if (!stopping) {
                log.error("batch {} stopped on an internal error; it resumes after a restart", id(), e);
            }
        } finally {
            running = false;
            BatchJournal j = journal;
            if (j != null) {
                j.close();
            }
            threads.remove(Thread.currentThread());
        }
    }

    private boolean haltRequested() {
        return stopping || cancelRequested || expired();
    }

    private boolean expired() {
        return now() >= record().expiresAt();
    }

    /** Streams the input and runs every line without a journal entry, until done or told to halt. */
    private void executeAll(Path input) throws IOException {
        BatchJournal j = requireNonNull(journal);
        Phaser inFlight = new Phaser(1);
        try {
            BatchInput.scan(input, Integer.MAX_VALUE, json, line -> {
                if (j.contains(line.index())) {
                    return true;
                }
                if (!acquirePermit()) {
                    return false;
                }
                inFlight.register();
                Thread worker = Thread.ofVirtual().name("llumnix-batch-" + id() + "-line-" + line.index()).unstarted(() -> {
                    try {
                        runLine(line);
                    } catch (RuntimeException e) {
                        log.error("batch {} line {} failed internally; it runs again after a restart", id(), line.lineNumber(), e);
                    } finally {
                        permits.release();
                        threads.remove(Thread.currentThread());
                        inFlight.arriveAndDeregister();
                    }
                });
                threads.add(worker);
                worker.start();
                return true;
            });
        } finally {
            inFlight.arriveAndAwaitAdvance();
        }
    }

    /** Waits for a slot, giving up (false) when the batch should stop taking lines. */
    private boolean acquirePermit() {
        try {
            while (!haltRequested()) {
                if (permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (haltRequested()) {
                        permits.release();
                        return false;
                    }
                    return true;
                }
            }
        } catch (InterruptedException e) {
            // stop(): give up
        }
        return false;
    }

    private void runLine(BatchLine line) {
        int failures = 0;
        while (!stopping) {
            LineExecutor.Outcome outcome;
            try {
                outcome = executor.execute(line, record().owner());
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) {
                return; // the answer may be the shutdown's own: leave the line for the restart
            }
            if (outcome instanceof LineExecutor.Answered a && a.statusCode() == 429) {
                if (!pause(Math.clamp(a.retryAfterSeconds().orElse(1L), 1, 30) * 1000)) {
                    return; // cancelled or expired while throttled: the line was not executed
                }
                continue;
            }
            boolean transientFailure = outcome instanceof LineExecutor.Unanswered
                    || outcome instanceof LineExecutor.Answered a && a.statusCode() >= 502 && a.statusCode() <= 504;
            if (transientFailure && ++failures < MAX_ATTEMPTS) {
                if (!pause(backoffMillis(failures))) {
                    return;
                }
                continue;
            }
            switch (outcome) {
                case LineExecutor.Answered a -> record(line, a.statusCode() < 200 || a.statusCode() > 299, BatchOutputLines.answered(json, line, a));
                case LineExecutor.Unanswered u -> record(line, true, BatchOutputLines.failed(json, line, "server_error",
                        "The request could not be executed: " + u.reason()));
            }
            return;
        }
    }

    private static long backoffMillis(int failures) {
        return Math.min(8000, 250L << Math.min(failures, 5));
    }

    /** Sleeps unless the batch is told to halt first; false when it was. */
    private boolean pause(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (System.nanoTime() < deadline) {
                if (haltRequested()) {
                    return false;
                }
                Thread.sleep(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            return false;
        }
        return !haltRequested();
    }

    private void record(BatchLine line, boolean lineFailed, ObjectNode output) {
        if (requireNonNull(journal).append(new BatchJournal.Entry(line.index(), lineFailed, output))) {
            (lineFailed ? failed : completed).incrementAndGet();
        }
    }

    /**
     * Writes the output and error files, in input order, and moves to the terminal state (again, identically, after a
     * crash). Streams the input and reads each line's journal entry back, so no file is held in memory.
     */
    private void finish(Path input, int total) throws IOException {
        BatchJournal j = requireNonNull(journal);
        BatchRecord r = record();
        BatchStatus terminal;
        if (r.ending() != null) {
            terminal = r.ending();
        } else if (r.status() == BatchStatus.CANCELLING) {
            terminal = BatchStatus.CANCELLED;
        } else {
            terminal = j.size() == total ? BatchStatus.COMPLETED : BatchStatus.EXPIRED;
        }
        int ok = j.size() - j.failed();
        int bad = j.failed() + (terminal == BatchStatus.EXPIRED ? total - j.size() : 0);
        RequestCounts counts = new RequestCounts(total, ok, bad);
        if (r.ending() == null) {
            synchronized (this) {
                BatchRecord planned = record.status() == BatchStatus.CANCELLING ? record : record.moveTo(BatchStatus.FINALIZING, now());
                persist(planned.planEnding(terminal, ok == 0 ? null : BatchIds.file(), bad == 0 ? null : BatchIds.file(), counts));
            }
            r = record();
        }
        String outputId = r.outputFileId();
        String errorId = r.errorFileId();
        Path outputTemp = files.tempPath(outputId == null ? r.id() + "-output" : outputId);
        Path errorTemp = files.tempPath(errorId == null ? r.id() + "-error" : errorId);
        try (BufferedWriter output = Files.newBufferedWriter(outputTemp, StandardCharsets.UTF_8);
                BufferedWriter errors = Files.newBufferedWriter(errorTemp, StandardCharsets.UTF_8)) {
            boolean expired = terminal == BatchStatus.EXPIRED;
            BatchInput.scan(input, Integer.MAX_VALUE, json, line -> {
                Optional<BatchJournal.Entry> e = j.entry(line.index());
                if (e.isPresent()) {
                    writeLine(e.get().failed() ? errors : output, e.get().output());
                } else if (expired) {
                    writeLine(errors, BatchOutputLines.failed(json, line, "batch_expired",
                            "This request could not be executed before the completion window expired."));
                }
                return true;
            });
        }
        if (outputId != null) {
            files.adopt(outputId, outputTemp, r.id() + "_output.jsonl", "batch_output", r.owner());
        }
        if (errorId != null) {
            files.adopt(errorId, errorTemp, r.id() + "_error.jsonl", "batch_output", r.owner());
        }
        Files.deleteIfExists(outputTemp);
        Files.deleteIfExists(errorTemp);
        synchronized (this) {
            persist(record.withCounts(counts).moveTo(terminal, now()));
        }
        log.info("batch {} {}: {} of {} lines succeeded, {} failed", id(), terminal.wireName(), ok, total, bad);
    }

    private void writeLine(BufferedWriter out, ObjectNode line) {
        try {
            out.write(json.writeValueAsString(line));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a batch output file", e);
        }
    }

    private BatchRecord record() {
        return record;
    }

    /** Writes {@code next} atomically, then makes it current. Call with the monitor held. */
    private void persist(BatchRecord next) {
        AtomicFiles.write(recordPath, json.writeValueAsBytes(next.toJson(json)));
        record = next;
    }

    private long now() {
        return clock.currentTimeMillis() / 1000;
    }
}
