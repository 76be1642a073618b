package io.llumnix.scheduler;

/**
 * What a gateway needs from the scheduler: place a request, and release it when it ends. Implemented in process by
 * {@link Scheduler} and across processes by {@link io.llumnix.scheduler.service.HttpSchedulerClient} (which talks to
 * a {@link io.llumnix.scheduler.service.SchedulerHttpService}), so a gateway is written once for both deployments.
 *
 * <p>Implementations are thread-safe and never throw for an unreachable scheduler: {@link #schedule} then answers
 * {@link ScheduleDecision.NoInstance} with the reason, and {@link #release} answers false.
 */
public interface SchedulerClient {

    /** Chooses an instance for the request; the scheduler counts it in flight there until it is released or reconciled. */
    ScheduleDecision schedule(ScheduleRequest request);

    /** The request completed, failed or was aborted; returns whether it was still counted in flight. */
    boolean release(String requestId);
}
