package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The files of the Files API in one directory: {@code <id>.jsonl} holds the content, {@code <id>.json} the metadata.
 * The content is durable before the metadata appears (atomic rename), so a file exists exactly when its metadata does;
 * content without metadata is a leftover of a crash and is removed on open.
 *
 * <p>Thread-safe; blocking (call it off the event loop).
 */
final class FileStore {

    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    /** Newest first, ties by id: the order of {@code GET /v1/files}. */
    static final Comparator<StoredFile> NEWEST_FIRST = Comparator.comparingLong(StoredFile::createdAt).reversed()
            .thenComparing(StoredFile::id, Comparator.reverseOrder());

    private final Path dir;
    private final Clock clock;
    private final JsonMapper json;
    private final ConcurrentMap<String, StoredFile> files = new ConcurrentHashMap<>();

    FileStore(Path dir, Clock clock, JsonMapper json) {
        this.dir = requireNonNull(dir, "dir is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.json = requireNonNull(json, "json is null");
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".json")) {
                        try {
                            StoredFile f = StoredFile.fromJson(json.readTree(Files.readAllBytes(p)));
                            files.put(f.id(), f);
                        } catch (JacksonException | NullPointerException e) {
                            log.warn("ignoring unreadable file metadata {}: {}", p, e.toString());
                        }
                    }
                }
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    boolean orphan = name.endsWith(".jsonl") && !files.containsKey(name.substring(0, name.length() - 6));
                    if (orphan || name.endsWith(AtomicFiles.TEMP_SUFFIX)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file store " + dir, e);
        }
    }

    /** A path in this directory for an upload in progress; {@link #adopt} turns it into a file. */
    Path tempPath(String id) {
        return dir.resolve(id + ".upload" + AtomicFiles.TEMP_SUFFIX);
    }

    /**
     * Makes {@code content} (a path from {@link #tempPath}) the durable content of file {@code id}; adopting an id again
     * replaces the file (finishing a batch twice after a crash writes the same files).
     */
    StoredFile adopt(String id, Path content, String filename, String purpose, String owner) throws IOException {
        AtomicFiles.sync(content);
        AtomicFiles.move(content, contentPath(id));
        return register(new StoredFile(id, Files.size(contentPath(id)), clock.currentTimeMillis() / 1000, filename, purpose, owner));
    }

    private StoredFile register(StoredFile f) {
        AtomicFiles.write(metadataPath(f.id()), json.writeValueAsBytes(f.toJson(json)));
        files.put(f.id(), f);
        return f;
    }

    /** The file, if it exists and {@code owner} may see it. */
    Optional<StoredFile> find(String id, String owner) {
        StoredFile f = files.get(id);
        return f != null && f.owner().equals(owner) ? Optional.of(f) : Optional.empty();
    }

    /** The files {@code owner} may see, newest first. */
    List<StoredFile> list(String owner) {
        List<StoredFile> out = new ArrayList<>();
        for (StoredFile f : files.values()) {
            if (f.owner().equals(owner)) {
                out.add(f);
            }
        }
        out.sort(NEWEST_FIRST);
        return out;
    }

    Path contentPath(String id) {
        return dir.resolve(id + ".jsonl");
    }

    /** Removes the file: first its metadata (from then on it does not exist), then its content. */
    void delete(String id) {
        try {
            Files.deleteIfExists(metadataPath(id));
            AtomicFiles.syncDirectory(dir);
            files.remove(id);
            Files.deleteIfExists(contentPath(id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete file " + id, e);
        }
    }

    private Path metadataPath(String id) {
        return dir.resolve(id + ".json");
    }
}
