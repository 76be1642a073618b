package io.llumnix.scheduler.rescheduling;

import static java.util.Objects.requireNonNull;

/**
 * One request on a source instance, as its llumlet reports it for request selection. Immutable.
 *
 * @param requestId the request
 * @param arrivalTime when it arrived at the instance, on any monotonic clock of that instance (only the order
 *     matters: it ranks "first/last come"); the llumlet passes engine nanoseconds
 * @param kvTokens KV tokens it holds (0 while waiting)
 * @param waiting true while queued, false while running
 * @param highPriority whether it is a high-priority request (the priority policy never moves those)
 */
public record MigratableRequest(String requestId, long arrivalTime, long kvTokens, boolean waiting,
        boolean highPriority) {

    public MigratableRequest {
        requireNonNull(requestId, "requestId is null");
        if (kvTokens < 0) {
            throw new IllegalArgumentException("kvTokens is negative: " + kvTokens);
        }
    }
}
