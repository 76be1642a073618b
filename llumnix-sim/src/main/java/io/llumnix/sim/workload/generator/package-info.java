/** Synthetic workloads: arrival processes (Poisson, Gamma), length distributions (the paper's Zipf, empirical), priorities. */
@NullMarked
package io.llumnix.sim.workload.generator;

import org.jspecify.annotations.NullMarked;
