package io.llumnix.cms;

import io.llumnix.core.InstanceStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster meta store: the shared record of which instances exist (metadata, kept alive by a heartbeat)
 * and how loaded each one is (status, republished on load-changing engine steps). Both entries carry a TTL
 * so that an instance that dies without saying goodbye ages out.
 *
 * <p>Failure behaviour (the same for every implementation): a write that cannot reach the backend returns
 * {@code false}; a point read returns empty; a bulk read returns {@link ReadResult.Unavailable}. The failure
 * is logged (rate-limited) and never thrown, so an outage of the backend degrades callers instead of killing
 * them. Programming errors (null arguments, non-positive TTLs) still throw.
 *
 * <p>Implementations are thread-safe.
 */
public interface ClusterMetaStore extends AutoCloseable {

    /** Puts (or refreshes) an instance's metadata; it expires after {@code ttl} unless put again. */
    boolean putMetadata(InstanceMetadata metadata, Duration ttl);

    /** Puts an instance's latest status; it expires after {@code ttl} unless put again. */
    boolean putStatus(InstanceStatus status, Duration ttl);

    Optional<InstanceMetadata> getMetadata(String instanceId);

    Optional<InstanceStatus> getStatus(String instanceId);

    /** Ids of instances whose metadata is live, sorted. */
    ReadResult<List<String>> listInstanceIds();

    /** Every instance whose metadata is live, joined with its live status if any, sorted by id. */
    ReadResult<List<InstanceRecord>> listInstances();

    /** Deletes an instance's metadata and status (a stopping instance calls this). */
    boolean delete(String instanceId);

    /** Releases connections; further calls fail as if the backend were unreachable. */
    @Override
    void close();

    /** Validates a TTL argument. */
    static Duration checkTtl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        return ttl;
    }
}
