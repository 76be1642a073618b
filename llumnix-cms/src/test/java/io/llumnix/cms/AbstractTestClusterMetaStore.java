package io.llumnix.cms;

import static io.llumnix.cms.TestingStatuses.metadata;
import static io.llumnix.cms.TestingStatuses.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ClusterMetaStore} keeps, run against each implementation by a subclass.
 */
abstract class AbstractTestClusterMetaStore {

    private static final Duration LONG = Duration.ofMinutes(5);

    /** The store under test, empty at the start of each test. */
    abstract ClusterMetaStore store();

    /** Lets at least {@code d} pass on the store's clock. */
    abstract void advance(Duration d) throws InterruptedException;

    /** A TTL short enough for expiry tests, long enough not to expire during a few operations. */
    Duration shortTtl() {
        return Duration.ofMillis(300);
    }

    @Test
    void put_get_roundTripsMetadataAndStatus() {
        assertThat(store().putMetadata(metadata("i-1"), LONG)).isTrue();
        assertThat(store().putStatus(status("i-1", 7), LONG)).isTrue();

        assertThat(store().getMetadata("i-1")).contains(metadata("i-1"));
        assertThat(store().getStatus("i-1")).contains(status("i-1", 7));
    }

    @Test
    void get_missingInstance_isEmpty() {
        assertThat(store().getMetadata("nope")).isEmpty();
        assertThat(store().getStatus("nope")).isEmpty();
    }

    @Test
    void put_again_replacesValue() {
        store().putStatus(status("i-1", 1), LONG);
        store().putStatus(status("i-1", 9), LONG);

        assertThat(store().getStatus("i-1")).contains(status("i-1", 9));
    }

    @Test
    void list_joinsMetadataWithStatus_sortedById() {
        store().putMetadata(metadata("i-b"), LONG);
        store().putMetadata(metadata("i-a"), LONG);
        store().putStatus(status("i-b", 4), LONG);
        store().putStatus(status("orphan", 4), LONG); // status without metadata is not an instance

        assertThat(store().listInstanceIds()).isEqualTo(ReadResult.ok(List.of("i-a", "i-b")));
        List<InstanceRecord> records = ok(store().listInstances());
        assertThat(records).extracting(InstanceRecord::instanceId).containsExactly("i-a", "i-b");
        assertThat(records.get(0).status()).isEmpty();
        assertThat(records.get(1).status()).contains(status("i-b", 4));
    }

    @Test
    void list_emptyStore_isOkAndEmpty() {
        assertThat(store().listInstanceIds()).isEqualTo(ReadResult.ok(List.of()));
        assertThat(ok(store().listInstances())).isEmpty();
    }

    @Test
    void delete_removesBothKeys() {
        store().putMetadata(metadata("i-1"), LONG);
        store().putStatus(status("i-1", 1), LONG);

        assertThat(store().delete("i-1")).isTrue();

        assertThat(store().getMetadata("i-1")).isEmpty();
        assertThat(store().getStatus("i-1")).isEmpty();
        assertThat(ok(store().listInstances())).isEmpty();
    }

    @Test
    void delete_missingInstance_succeeds() {
        assertThat(store().delete("nope")).isTrue();
    }

    @Test
    void ttl_expired_entriesDisappear() throws InterruptedException {
        store().putMetadata(metadata("i-1"), shortTtl());
        store().putStatus(status("i-1", 1), shortTtl());
        store().putMetadata(metadata("i-2"), LONG);

        advance(shortTtl().plusMillis(100));

        assertThat(store().getMetadata("i-1")).isEmpty();
        assertThat(store().getStatus("i-1")).isEmpty();
        assertThat(ok(store().listInstances())).extracting(InstanceRecord::instanceId).containsExactly("i-2");
    }

    @Test
    void heartbeat_refreshesTtl() throws InterruptedException {
        store().putMetadata(metadata("i-1"), shortTtl());
        advance(shortTtl().dividedBy(2));
        store().putMetadata(metadata("i-1"), shortTtl());
        advance(shortTtl().dividedBy(2).plusMillis(50));

        assertThat(store().getMetadata("i-1")).isPresent();
    }

    @Test
    void status_expiresIndependentlyOfMetadata() throws InterruptedException {
        store().putMetadata(metadata("i-1"), LONG);
        store().putStatus(status("i-1", 1), shortTtl());

        advance(shortTtl().plusMillis(100));

        List<InstanceRecord> records = ok(store().listInstances());
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().status()).isEmpty();
    }

    @Test
    void put_nonPositiveTtl_isRefused() {
        assertThatThrownBy(() -> store().putMetadata(metadata("i-1"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttl");
        assertThatThrownBy(() -> store().putStatus(status("i-1", 1), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void discovery_listsLiveMetadata() {
        store().putMetadata(metadata("i-2"), LONG);
        store().putMetadata(metadata("i-1"), LONG);

        ReadResult<List<InstanceMetadata>> found = new CmsDiscovery(store()).discover();

        assertThat(ok(found)).extracting(InstanceMetadata::instanceId).containsExactly("i-1", "i-2");
    }

    static <T> T ok(ReadResult<T> result) {
        assertThat(result).isInstanceOf(ReadResult.Ok.class);
        return ((ReadResult.Ok<T>) result).value();
    }
}
