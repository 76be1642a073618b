/**
 * The discrete-event core: a virtual clock, an event queue, simulated instances (the real engine step loop over a
 * latency-model executor), the real scheduler and rescheduler fed with statuses built from those instances, staged
 * live migrations timed at the profile's bandwidth, and instance auto-scaling. Entry point:
 * {@link io.llumnix.sim.core.ClusterSimulation}.
 */
@NullMarked
package io.llumnix.sim.core;

import org.jspecify.annotations.NullMarked;
