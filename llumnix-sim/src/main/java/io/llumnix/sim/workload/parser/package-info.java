/** One reader per trace format ({@link io.llumnix.sim.workload.parser.TraceFormat} lists them), and where the shared traces live. */
@NullMarked
package io.llumnix.sim.workload.parser;

import org.jspecify.annotations.NullMarked;
