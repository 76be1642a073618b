package io.llumnix.gateway;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A stories260K engine with its OpenAI server, run as a child process by {@link TestingEngineProcess}:
 * {@code TestingEngineMain MIN_STEP_NANOS}. Prints {@code LISTENING url} once serving; runs until killed.
 */
public final class TestingEngineMain {

    private TestingEngineMain() {}

    public static void main(String[] args) throws InterruptedException {
        long minStepNanos = Long.parseLong(args[0]);
        LoadedModel model = ModelLoader.load(StoriesFixture.checkpoint(), Optional.of(Path.of(StoriesFixture.tokenizer())));
        EngineConfig config = EngineConfig.defaults(model.shape().maxSeqLen());
        ModelExecutor executor = model.newExecutor(config.numKvBlocks(), config.blockSize());
        if (minStepNanos > 0) {
            executor = new PacedExecutor(executor, minStepNanos);
        }
        LlmEngine engine = LlmEngine.start("stories260K", config, executor, model.tokenizer(), Clock.system());
        OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 0));
        System.out.println("LISTENING " + server.baseUrl());
        System.out.flush();
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        Thread.currentThread().join();
    }
}
