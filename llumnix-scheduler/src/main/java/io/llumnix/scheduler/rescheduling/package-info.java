/**
 * Rescheduling: keeping the cluster balanced after dispatch by live migration. A
 * {@link io.llumnix.scheduler.rescheduling.ReschedulingPolicy} is a pure function from a cluster snapshot to
 * {@link io.llumnix.scheduler.rescheduling.MigrationOrder}s (pair selection: which source sends to which
 * destination); {@link io.llumnix.scheduler.rescheduling.RequestSelection} is the pure function the source
 * llumlet applies to its own request list (which requests move); the
 * {@link io.llumnix.scheduler.rescheduling.Rescheduler} runs the policies on a timer and hands orders to a
 * {@link io.llumnix.scheduler.rescheduling.MigrationExecutor}.
 */
@NullMarked
package io.llumnix.scheduler.rescheduling;

import org.jspecify.annotations.NullMarked;
