package io.llumnix.cli;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;

/** Starts an {@link LlmEngine} over a loaded model with the real executor and the system clock. */
final class EngineStarter {

    private EngineStarter() {}

    static LlmEngine start(LoadedModel model, String servedModelName, EngineConfig config) {
        return LlmEngine.start(servedModelName, config, model.newExecutor(config.numKvBlocks(), config.blockSize()), model.tokenizer(),
                Clock.system());
    }
}
