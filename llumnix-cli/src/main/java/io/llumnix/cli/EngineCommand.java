package io.llumnix.cli;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llumnix engine}: one engine instance behind the OpenAI-compatible {@link OpenAiServer}, until
 * SIGINT or SIGTERM. Prints {@code llumnix engine: serving 'NAME' at URL} once listening ({@code serve}
 * reads that line from its children).
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Runs one engine instance behind an OpenAI-compatible HTTP server until SIGINT/SIGTERM.")
final class EngineCommand implements Callable<Integer> {

    static final String SERVING_PREFIX = "llumnix engine: serving ";

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(names = "--host", paramLabel = "HOST", defaultValue = OpenAiServerConfig.DEFAULT_HOST, description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host = OpenAiServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = 8000;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name clients send (default: the checkpoint's file name without extension).")
    Optional<String> servedModelName = Optional.empty();

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seeds requests that bring no seed of their own (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--exit-with-parent", hidden = true, description = "Exit when the parent process exits (used by serve).")
    boolean exitWithParent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Running running = start();
        PrintWriter out = spec.commandLine().getOut();
        out.println(SERVING_PREFIX + "'" + running.server().servedModelName() + "' at " + running.server().baseUrl());
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("llumnix-engine-shutdown").unstarted(() -> {
            running.close();
            stopped.countDown();
        }));
        if (exitWithParent) {
            // An orphaned engine would hold its port and memory forever; follow the parent out.
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        }
        stopped.await();
        return 0;
    }

    /** Loads the model and starts engine and server; the caller closes the result. */
    Running start() {
        LoadedModel model = modelOptions.load();
        EngineConfig config = engineOptions.toConfig(model.shape(), seed);
        String name = servedModelName.orElse(model.defaultServedName());
        OpenAiServerConfig serverConfig = OpenAiServerConfig.of(name, port).withHost(host);
        LlmEngine engine = EngineStarter.start(model, name, config);
        try {
            return new Running(engine, OpenAiServer.start(engine, serverConfig));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** A started engine and its server. */
    record Running(LlmEngine engine, OpenAiServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            engine.close();
        }
    }
}
