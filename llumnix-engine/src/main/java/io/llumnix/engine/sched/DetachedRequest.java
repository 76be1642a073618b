package io.llumnix.engine.sched;

import static java.util.Objects.requireNonNull;

/**
 * A request the source has taken out of its batch for the last stage of a migration. It still holds its
 * KV blocks ({@link #blockTable()}) until {@link EngineCore#completeMigrationOut} releases them or
 * {@link EngineCore#reinstate} puts the request back; exactly one of the two must follow.
 *
 * @param state the request's state for the destination
 * @param blockTable physical blocks holding positions {@code 0 .. state.numComputed()-1}
 * @param detachedAtNanos engine clock when the request left the batch (downtime starts)
 */
public record DetachedRequest(MigratingRequest state, int[] blockTable, long detachedAtNanos) {

    public DetachedRequest {
        requireNonNull(state, "state is null");
        blockTable = blockTable.clone();
    }

    @Override
    public int[] blockTable() {
        return blockTable.clone();
    }
}
