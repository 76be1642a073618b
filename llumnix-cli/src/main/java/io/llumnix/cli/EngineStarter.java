package io.llumnix.cli;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;

/** Starts an {@link LlmEngine} over a loaded model with the real executor and the system clock. */
final class EngineStarter {

    private EngineStarter() {}

    static LlmEngine start(LoadedModel model, String servedModelName, EngineConfig config) {
        return start(model, servedModelName, config, 0);
    }

    /** As {@link #start(LoadedModel, String, EngineConfig)}, pacing steps to at least {@code minStepNanos} (0: none). */
    static LlmEngine start(LoadedModel model, String servedModelName, EngineConfig config, long minStepNanos) {
        ModelExecutor executor = model.newExecutor(config.numKvBlocks(), config.blockSize());
        if (minStepNanos > 0) {
            executor = new PacedExecutor(executor, minStepNanos);
        }
        return LlmEngine.start(servedModelName, config, executor, model.tokenizer(), Clock.system());
    }
}
