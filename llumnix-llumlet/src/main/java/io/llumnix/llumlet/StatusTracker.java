package io.llumnix.llumlet;

import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.sched.RunningRequestView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a status reporter remembers between two reports of one engine, whether it pushes them to the cluster meta store
 * ({@link StatusPublisher}) or a scheduler pulls them ({@link Llumlet#pulledStatus}):
 * <ul>
 *   <li>when the step counter last moved, so that an engine with work that stopped stepping is reported
 *       unschedulable (a hung engine must not keep receiving requests);</li>
 *   <li>which requests the previous report saw, so that each report names the requests that appeared since
 *       ({@code recentWaitingRequestIds}: how the scheduler's dispatch ledger learns that a dispatched request arrived).</li>
 * </ul>
 *
 * <p>Not thread-safe: one reporter thread (or a lock) owns it.
 */
final class StatusTracker {

    private long lastSeenStepId = -1;
    private long lastStepChangeNanos;
    private Set<String> lastReportedIds = Set.of();

    StatusTracker(long nowNanos) {
        this.lastStepChangeNanos = nowNanos;
    }

    /** Whether the engine has work but its step counter has not moved for {@code timeout}. */
    boolean stalled(EngineSnapshot s, long nowNanos, Duration timeout) {
        if (s.stepId() != lastSeenStepId) {
            lastSeenStepId = s.stepId();
            lastStepChangeNanos = nowNanos;
        }
        return s.numRunning() + s.numWaiting() > 0 && nowNanos - lastStepChangeNanos >= timeout.toNanos();
    }

    /** Milliseconds since the step counter last moved (as of the last {@link #stalled} call). */
    long sinceLastStepMs(long nowNanos) {
        return (nowNanos - lastStepChangeNanos) / 1_000_000;
    }

    /**
     * The live requests that the previous report did not see and that are not waiting in the engine's queue, in
     * {@code requests} order; remembers {@code requests} for the next report.
     */
    List<String> appearedSinceLastReport(EngineSnapshot s, List<RunningRequestView> requests) {
        Set<String> waiting = new HashSet<>(s.waitingRequestIds());
        Set<String> ids = HashSet.newHashSet(requests.size());
        List<String> fresh = new ArrayList<>();
        for (RunningRequestView r : requests) {
            ids.add(r.requestId());
            if (!lastReportedIds.contains(r.requestId()) && !waiting.contains(r.requestId())) {
                fresh.add(r.requestId());
            }
        }
        lastReportedIds = ids;
        return fresh;
    }
}
