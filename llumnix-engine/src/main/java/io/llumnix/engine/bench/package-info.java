/**
 * Engine micro-benchmarks that drive {@link io.llumnix.engine.model.TransformerExecutor} directly: prefill and
 * decode throughput, batching gains and vector-versus-scalar kernels. Entry point:
 * {@link io.llumnix.engine.bench.EngineBenchmark#run}.
 */
@NullMarked
package io.llumnix.engine.bench;

import org.jspecify.annotations.NullMarked;
