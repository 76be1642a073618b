/**
 * What the simulator replays: {@link io.llumnix.sim.workload.TraceRequest requests} with arrival times, prompt and
 * output lengths, optional shared-prefix block hashes and a priority, gathered in a {@link io.llumnix.sim.workload.Workload}.
 * Readers of trace files live in {@code parser}, synthetic workloads in {@code generator}.
 */
@NullMarked
package io.llumnix.sim.workload;

import org.jspecify.annotations.NullMarked;
