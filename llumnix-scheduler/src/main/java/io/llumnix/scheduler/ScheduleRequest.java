package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import java.util.List;
import java.util.Set;

/**
 * What the scheduler needs to know about one request to place it. Immutable.
 *
 * @param requestId unique id; the ledger tracks the request under it until it is reconciled or released
 * @param targetType the role to place it on: neutral, or the prefill / decode side of disaggregation
 * @param promptTokens prompt length in tokens
 * @param blockHashes hashes of the prompt's full KV blocks, in order (each chained on its predecessor), for
 *     cache-aware metrics; empty when the gateway did not compute them
 * @param role the reserved role the request may use (see the reserved-role filter); empty for none
 * @param excludedInstanceIds instances that already failed this request; the failover-domain filter keeps
 *     it away from them (and, by scope, from their node or unit)
 * @param priority the engine priority it will run at (higher first, 0 normal): a high-priority request may use the
 *     headroom that freeness reserves on instances hosting high-priority load, which normal requests are kept out of
 */
public record ScheduleRequest(
        String requestId,
        InferType targetType,
        int promptTokens,
        List<Long> blockHashes,
        String role,
        Set<String> excludedInstanceIds,
        int priority) {

    public ScheduleRequest {
        requireNonNull(requestId, "requestId is null");
        requireNonNull(targetType, "targetType is null");
        blockHashes = List.copyOf(requireNonNull(blockHashes, "blockHashes is null"));
        requireNonNull(role, "role is null");
        excludedInstanceIds = Set.copyOf(requireNonNull(excludedInstanceIds, "excludedInstanceIds is null"));
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens is negative: " + promptTokens);
        }
    }

    /** A normal-priority request. */
    public ScheduleRequest(String requestId, InferType targetType, int promptTokens, List<Long> blockHashes, String role,
            Set<String> excludedInstanceIds) {
        this(requestId, targetType, promptTokens, blockHashes, role, excludedInstanceIds, 0);
    }

    /** A neutral request with no cache information, role or exclusions. */
    public static ScheduleRequest of(String requestId, int promptTokens) {
        return new ScheduleRequest(requestId, InferType.NEUTRAL, promptTokens, List.of(), "", Set.of());
    }

    public ScheduleRequest withPriority(int newPriority) {
        return new ScheduleRequest(requestId, targetType, promptTokens, blockHashes, role, excludedInstanceIds, newPriority);
    }

    public ScheduleRequest withBlockHashes(List<Long> hashes) {
        return new ScheduleRequest(requestId, targetType, promptTokens, hashes, role, excludedInstanceIds, priority);
    }

    public ScheduleRequest withTargetType(InferType type) {
        return new ScheduleRequest(requestId, type, promptTokens, blockHashes, role, excludedInstanceIds, priority);
    }

    public ScheduleRequest withRole(String newRole) {
        return new ScheduleRequest(requestId, targetType, promptTokens, blockHashes, newRole, excludedInstanceIds, priority);
    }

    public ScheduleRequest withExcluded(Set<String> excluded) {
        return new ScheduleRequest(requestId, targetType, promptTokens, blockHashes, role, excluded, priority);
    }
}
