/**
 * Models the engine runs: {@link io.llumnix.engine.model.ModelLoader} reads llama2.c checkpoints or builds seeded
 * synthetic models into a {@link io.llumnix.engine.model.LoadedModel}, whose
 * {@link io.llumnix.engine.model.TransformerExecutor}s compute batched Llama steps over their own paged KV cache.
 */
@NullMarked
package io.llumnix.engine.model;

import org.jspecify.annotations.NullMarked;
