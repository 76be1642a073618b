/**
 * Request dispatch ("initial routing"): a policy is metrics → filters (a strict pass, then a fallback pass
 * that skips soft filters) → a selector, configured per infer type, evaluated over an immutable
 * {@link io.llumnix.scheduler.ClusterSnapshot} plus the in-flight {@link io.llumnix.scheduler.DispatchLedger}.
 * The entry point is {@link io.llumnix.scheduler.Scheduler}; policies are named in
 * {@link io.llumnix.scheduler.DispatchPolicies}; metric names in {@link io.llumnix.scheduler.SchedulingMetric}.
 */
@NullMarked
package io.llumnix.scheduler;

import org.jspecify.annotations.NullMarked;
