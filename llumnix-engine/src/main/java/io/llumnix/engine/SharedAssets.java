package io.llumnix.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the project's shared assets (the stories260K model, production traces): the repository is checked
 * out with {@code shared/} beside it. Looks under {@code $LLUMNIX_HOME/..} first, then walks up from the
 * working directory.
 */
public final class SharedAssets {

    private SharedAssets() {}

    /** The {@code shared/} directory, when it can be found. */
    public static Optional<Path> sharedDir() {
        String home = System.getenv("LLUMNIX_HOME");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).toAbsolutePath().getParent();
            if (p != null && Files.isDirectory(p.resolve("shared/models"))) {
                return Optional.of(p.resolve("shared"));
            }
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/models"))) {
                return Optional.of(p.resolve("shared"));
            }
        }
        return Optional.empty();
    }

    /** {@code shared/models/stories260K}; a clear error when it is missing. */
    public static Path storiesDir() {
        Path dir = sharedDir().map(s -> s.resolve("models/stories260K")).orElseThrow(() -> new IllegalStateException(
                "shared/models/stories260K not found beside the repository (looked above " + Path.of("").toAbsolutePath()
                        + "); pass --model and --tokenizer explicitly"));
        if (!Files.isRegularFile(dir.resolve("stories260K.bin"))) {
            throw new IllegalStateException(dir + " has no stories260K.bin");
        }
        return dir;
    }
}
