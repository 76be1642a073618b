package io.llumnix.sim.workload;

/** Scheduling priority of a request, as in the paper's priority experiment: a few requests are latency-critical. */
public enum Priority {
    NORMAL,
    HIGH
}
