/**
 * The paper's experiments as commands: {@link io.llumnix.sim.experiment.Experiments#run} runs one by name
 * ({@code serving}, {@code priorities}, {@code autoscaling}, {@code scale}, {@code azure}) or replays a trace file under
 * several policies, prints a table and writes a report folder (CSV, PNG charts, {@code index.html},
 * {@code summary.json}).
 */
@NullMarked
package io.llumnix.sim.experiment;

import org.jspecify.annotations.NullMarked;
