package io.llumnix.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.json.JsonMapper;

/** Writes a command's JSON summary (the {@code --json FILE} of every benchmark and experiment). */
final class JsonOutput {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonOutput() {}

    /** Pretty-prints {@code value} (maps, lists, records) to {@code file}; a bad path is a one-line user error. */
    static void write(Path file, Object value) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
