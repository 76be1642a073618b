/**
 * Latency models: a {@link io.llumnix.sim.latency.LatencyProfile} (step cost coefficients and KV geometry of one
 * model on one device), the executor that turns it into modelled step times for the real engine step loop, and the
 * least-squares fitter that produces a profile from measurements.
 */
@NullMarked
package io.llumnix.sim.latency;

import org.jspecify.annotations.NullMarked;
