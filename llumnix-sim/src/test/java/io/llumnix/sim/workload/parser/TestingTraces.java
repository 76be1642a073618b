package io.llumnix.sim.workload.parser;

import java.nio.file.Path;

/** Locates the shared traces for tests, failing loudly when the checkout has no {@code shared/traces} beside it. */
final class TestingTraces {

    private TestingTraces() {}

    static Path file(String relative) {
        Path dir = SharedTraces.locate(Path.of("").toAbsolutePath())
                .orElseThrow(() -> new AssertionError("shared/traces not found above " + Path.of("").toAbsolutePath()));
        return dir.resolve(relative);
    }
}
