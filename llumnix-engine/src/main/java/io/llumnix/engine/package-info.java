/**
 * The reference CPU inference engine: one instance's continuous-batching step loop over a paged KV cache,
 * driving a {@link io.llumnix.engine.exec.ModelExecutor}. The public surface is {@link io.llumnix.engine.LlmEngine}
 * and its request/event records.
 */
@NullMarked
package io.llumnix.engine;

import org.jspecify.annotations.NullMarked;
