package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The append-only record of a batch's finished lines: one JSON object per line, {@code {"line": index, "failed":
 * bool, "output": <output file line>}}, each written and fsync'd before the line counts as done. This is what makes a
 * batch survive a crash: a line with an entry is never executed again.
 *
 * <p>A crash can tear only the last entry (it was being written); opening the journal cuts such a tail off, and
 * that line simply runs again.
 *
 * <p>Only each entry's line index, outcome and place in the file stay in memory; {@link #entry} reads an output back
 * from disk.
 *
 * <p>Thread-safe: appends are serialized.
 */
final class BatchJournal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchJournal.class);

    /** One finished line. */
    record Entry(int index, boolean failed, ObjectNode output) {
        Entry {
            requireNonNull(output, "output is null");
        }
    }

    private final Path path;
    private final JsonMapper json;
    private final FileChannel channel;
    /** Where an entry sits in the file. */
    private record Slot(long offset, int length, boolean failed) {}

    /** Line index → its entry's slot. */
    private final Map<Integer, Slot> outcomes = new HashMap<>();
    private int failed;

    private BatchJournal(Path path, JsonMapper json, FileChannel channel) {
        this.path = path;
        this.json = json;
        this.channel = channel;
    }

    /** Opens (creating) the journal at {@code path}, reading the entries it holds and cutting off a torn tail. */
    static BatchJournal open(Path path, JsonMapper json) {
        try {
            boolean created = !Files.exists(path);
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (created) {
                // The journal's directory entry must be durable too, or a power cut could lose the whole file.
                AtomicFiles.syncDirectory(path.toAbsolutePath().getParent());
            }
            BatchJournal journal = new BatchJournal(path, json, channel);
            long good = 0; // bytes up to the end of the last complete entry
            try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    Entry entry = parse(json, line.toString(StandardCharsets.UTF_8));
                    if (entry == null) {
                        break;
                    }
                    journal.remember(entry, good, line.size());
                    good += line.size() + 1;
                    line.reset();
                }
            }
            long size = channel.size();
            if (good < size) {
                log.warn("journal {}: cutting off a torn entry at byte {} of {}", path, good, size);
                channel.truncate(good);
                channel.force(true);
            }
            channel.position(good);
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the batch journal " + path, e);
        }
    }

    private static Entry parse(JsonMapper json, String text) {
        try {
            JsonNode n = json.readTree(text);
            if (n == null || !n.path("line").isInt() || !n.path("output").isObject()) {
                return null;
            }
            return new Entry(n.get("line").asInt(), n.path("failed").asBoolean(), (ObjectNode) n.get("output"));
        } catch (JacksonException e) {
            return null;
        }
    }

    private void remember(Entry entry, long offset, int length) {
        if (outcomes.putIfAbsent(entry.index(), new Slot(offset, length, entry.failed())) == null && entry.failed()) {
            failed++;
        }
    }

    synchronized boolean contains(int index) {
        return outcomes.containsKey(index);
    }

    /** Lines with an entry. */
    synchronized int size() {
        return outcomes.size();
    }

    /** Lines whose entry records a failure. */
    synchronized int failed() {
        return failed;
    }

    /** The entry of line {@code index}, read back from disk, if it has one. */
    synchronized Optional<Entry> entry(int index) {
        Slot slot = outcomes.get(index);
        if (slot == null) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.allocate(slot.length());
        try {
            while (buf.hasRemaining()) {
                if (channel.read(buf, slot.offset() + buf.position()) < 0) {
                    throw new IOException("the journal ends inside the entry of line " + index);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the batch journal " + path, e);
        }
        Entry entry = parse(json, new String(buf.array(), StandardCharsets.UTF_8));
        if (entry == null || entry.index() != index) {
            throw new IllegalStateException("the journal " + path + " does not hold line " + index + " where it wrote it");
        }
        return Optional.of(entry);
    }

    /** Appends and fsyncs {@code entry}; returns false (and writes nothing) if the line already has one. */
    synchronized boolean append(Entry entry) {
        if (outcomes.containsKey(entry.index())) {
            return false;
        }
        ObjectNode n = json.createObjectNode();
        n.put("line", entry.index());
        n.put("failed", entry.failed());
        n.set("output", entry.output());
        byte[] bytes = (json.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        long offset;
        try {
            offset = channel.position();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the batch journal", e);
        }
        remember(entry, offset, bytes.length - 1);
        return true;
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("cannot close a batch journal: {}", e.toString());
        }
    }
}
