package io.llumnix.engine;

import io.llumnix.core.Clock;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shared stories260K fixture (the repository is cloned with {@code shared/} beside it) and starts
 * engines on it for tests.
 */
public final class TestingModels {

    private static LoadedModel stories;

    private TestingModels() {}

    /** {@code shared/models/stories260K}, found beside the repository. */
    public static Path storiesDir() {
        return SharedAssets.storiesDir();
    }

    public static synchronized LoadedModel stories260K() {
        if (stories == null) {
            Path dir = storiesDir();
            stories = ModelLoader.load(dir.resolve("stories260K.bin").toString(), Optional.of(dir.resolve("tok512.bin")));
        }
        return stories;
    }

    /** Default engine config for stories260K with the given number of KV blocks. */
    public static EngineConfig storiesConfig(int numKvBlocks) {
        return EngineConfig.defaults(stories260K().shape().maxSeqLen()).withNumKvBlocks(numKvBlocks);
    }

    public static LlmEngine startStories(EngineConfig config) {
        LoadedModel m = stories260K();
        return LlmEngine.start(m.defaultServedName(), config, m.newExecutor(config.numKvBlocks(), config.blockSize()), m.tokenizer(),
                Clock.system());
    }
}
