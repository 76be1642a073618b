package io.llumnix.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the staged stories260K fixture ({@code shared/models/stories260K}) by walking up from the working
 * directory, which is the module directory under Maven and the repository root in an IDE.
 */
public final class TestingModelFiles {

    private static final Path RELATIVE = Path.of("shared", "models", "stories260K");

    private TestingModelFiles() {}

    /** The directory holding {@code stories260K.bin} and {@code tok512.bin}; fails with a clear message if absent. */
    public static Path storiesDir() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE);
            if (Files.isRegularFile(candidate.resolve("stories260K.bin")) && Files.isRegularFile(candidate.resolve("tok512.bin"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("test fixture " + RELATIVE + " (stories260K.bin, tok512.bin) not found in " + start
                + " or any parent directory; the repository is expected to be cloned with shared/ beside it");
    }

    public static Path storiesCheckpoint() {
        return storiesDir().resolve("stories260K.bin");
    }

    public static Path storiesTokenizer() {
        return storiesDir().resolve("tok512.bin");
    }

    /** stories260K with its tokenizer, loaded once per JVM. */
    public static LoadedModel stories() {
        return Holder.STORIES;
    }

    private static final class Holder {
        static final LoadedModel STORIES = ModelLoader.load(storiesCheckpoint().toString(), Optional.of(storiesTokenizer()));
    }
}
