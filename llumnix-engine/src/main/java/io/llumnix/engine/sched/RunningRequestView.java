package io.llumnix.engine.sched;

/**
 * What the rescheduler's request selection needs to know about one live request on an instance.
 *
 * @param requestId the request
 * @param running in the running batch (false: waiting)
 * @param priority scheduling priority
 * @param arrivalNanos engine clock at arrival
 * @param promptLength prompt tokens
 * @param numTokens prompt plus generated tokens
 * @param numOutputTokens generated tokens
 * @param numBlocks KV blocks held
 * @param migrating currently migrating out
 */
public record RunningRequestView(
        String requestId,
        boolean running,
        int priority,
        long arrivalNanos,
        int promptLength,
        int numTokens,
        int numOutputTokens,
        int numBlocks,
        boolean migrating) {}
