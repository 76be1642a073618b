package io.llumnix.sim.core;

/** What can happen at a point of simulated time. The event loop switches over this closed set. */
sealed interface SimEvent {

    /** The next workload request arrives at the gateway. */
    record Arrival(int index) implements SimEvent {}

    /** An instance finished its step (or should start stepping). */
    record StepBoundary(SimInstance instance) implements SimEvent {}

    /** The scheduler pulls a new cluster snapshot (the CMS pull interval). */
    record SnapshotRefresh() implements SimEvent {}

    /** The rescheduler runs its policies. */
    record ReschedulingTick() implements SimEvent {}

    /** The auto-scaler looks at the cluster's freeness. */
    record ScalingTick() implements SimEvent {}

    /** A KV transfer of a migration finished. */
    record TransferDone(SimMigration migration) implements SimEvent {}

    /** A new instance finished starting and may take requests. */
    record InstanceReady(SimInstance instance) implements SimEvent {}
}
