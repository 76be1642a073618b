package io.llumnix.engine.server;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import java.util.Optional;

/** An {@link OpenAiServer} over a real engine (stories260K unless told otherwise) on a free loopback port, for tests. */
final class TestingStoriesServer implements AutoCloseable {

    static final String MODEL_NAME = "stories260K";

    final LlmEngine engine;
    final OpenAiServer server;

    private TestingStoriesServer(LlmEngine engine, OpenAiServer server) {
        this.engine = engine;
        this.server = server;
    }

    static TestingStoriesServer start() {
        return start(OpenAiServerConfig.of(MODEL_NAME, 0));
    }

    static TestingStoriesServer start(OpenAiServerConfig serverConfig) {
        return start(ModelLoader.load(StoriesGolden.checkpoint().toString(), Optional.of(StoriesGolden.tokenizer())), serverConfig);
    }

    /** A server over any loaded model (e.g. a slower synthetic one), served as {@code serverConfig} says. */
    static TestingStoriesServer start(LoadedModel model, OpenAiServerConfig serverConfig) {
        EngineConfig config = EngineConfig.defaults(model.shape().maxSeqLen());
        LlmEngine engine = LlmEngine.start(serverConfig.servedModelName(), config, model.newExecutor(config.numKvBlocks(), config.blockSize()),
                model.tokenizer(), Clock.system());
        try {
            return new TestingStoriesServer(engine, OpenAiServer.start(engine, serverConfig));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    String url(String path) {
        return server.baseUrl() + path;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            engine.close();
        }
    }
}
