package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.SchedulerClient;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses the instance for each attempt of a request: the scheduler decides; while it is unreachable, the gateway
 * falls back to its own accounting — the known instance with the fewest requests this gateway has in flight there,
 * ties taken in turn — until the scheduler answers again. Every pick must be {@link #release released}.
 *
 * <p>Thread-safe. {@link #pick} may block on a remote scheduler: call it off the event loop when
 * {@link #blocking()}.
 */
final class InstancePicker {

    /** Where an attempt goes. */
    sealed interface Pick {
        /** @param scheduled whether the scheduler chose (and so holds a ledger entry to release) */
        record Chosen(InstanceMetadata instance, boolean scheduled) implements Pick {}

        record None(String reason) implements Pick {}
    }

    private final SchedulerClient scheduler;
    private final BackendDirectory directory;
    private final boolean blocking;
    private final ConcurrentHashMap<String, AtomicInteger> local = new ConcurrentHashMap<>();
    private final AtomicLong turn = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();

    InstancePicker(SchedulerClient scheduler, BackendDirectory directory) {
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.directory = requireNonNull(directory, "directory is null");
        this.blocking = !(scheduler instanceof io.llumnix.scheduler.Scheduler);
    }

    boolean blocking() {
        return blocking;
    }

    Pick pick(ScheduleRequest request) {
        Pick pick = switch (scheduler.schedule(request)) {
            case ScheduleDecision.Dispatched d -> new Pick.Chosen(d.instance(), true);
            case ScheduleDecision.NoInstance n when unreachable(n) -> fallback(request, n.reason());
            case ScheduleDecision.NoInstance n -> new Pick.None(n.reason());
        };
        if (pick instanceof Pick.Chosen c) {
            counter(c.instance().instanceId()).incrementAndGet();
        }
        return pick;
    }

    /** The attempt ended: the scheduler's ledger entry (if it chose) and the local count are released. */
    void release(String requestId, Pick.Chosen chosen) {
        counter(chosen.instance().instanceId()).decrementAndGet();
        if (chosen.scheduled()) {
            scheduler.release(requestId);
        }
    }

    /** Picks made without the scheduler so far. */
    long fallbacks() {
        return fallbacks.get();
    }

    private Pick fallback(ScheduleRequest request, String reason) {
        List<InstanceMetadata> known = directory.instances().stream()
                .filter(m -> !request.excludedInstanceIds().contains(m.instanceId())).toList();
        if (known.isEmpty()) {
            return new Pick.None(reason + "; no other instance is known to fall back to");
        }
        fallbacks.incrementAndGet();
        int start = (int) Math.floorMod(turn.getAndIncrement(), (long) known.size());
        InstanceMetadata best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < known.size(); i++) {
            InstanceMetadata m = known.get((start + i) % known.size());
            int load = counter(m.instanceId()).get();
            if (load < bestLoad) {
                best = m;
                bestLoad = load;
            }
        }
        return new Pick.Chosen(requireNonNull(best), false);
    }

    /**
     * Whether the scheduler could not be asked at all (as opposed to having no instance for the request):
     * {@link io.llumnix.scheduler.service.HttpSchedulerClient} reports that as "scheduler URI unreachable: …".
     */
    static boolean unreachable(ScheduleDecision.NoInstance n) {
        return n.reason().startsWith("scheduler ") && n.reason().contains(" unreachable: ");
    }

    private AtomicInteger counter(String instanceId) {
        return local.computeIfAbsent(instanceId, k -> new AtomicInteger());
    }
}
