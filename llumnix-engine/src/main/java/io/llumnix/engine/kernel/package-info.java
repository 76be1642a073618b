/**
 * Numeric kernels of the CPU engine: batched matmul, attention, norms and activations in a scalar and a Vector API
 * implementation behind {@link io.llumnix.engine.kernel.Kernels}, and {@link io.llumnix.engine.kernel.ParallelFor},
 * which spreads a loop over all cores. Every kernel computes each output with a fixed sequence of float operations,
 * so results never depend on batch composition or thread split.
 */
@NullMarked
package io.llumnix.engine.kernel;

import org.jspecify.annotations.NullMarked;
