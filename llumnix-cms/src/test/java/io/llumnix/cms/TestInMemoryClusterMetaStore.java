package io.llumnix.cms;

import static io.llumnix.cms.TestingStatuses.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class TestInMemoryClusterMetaStore extends AbstractTestClusterMetaStore {

    private final TestingClock clock = new TestingClock();
    private InMemoryClusterMetaStore store;

    @BeforeEach
    void setUp() {
        store = new InMemoryClusterMetaStore(clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Override
    ClusterMetaStore store() {
        return store;
    }

    @Override
    void advance(Duration d) {
        clock.advance(d);
    }

    @Test
    void ttl_followsInjectedClockNotWallClock() {
        store.putMetadata(metadata("i-1"), Duration.ofNanos(10));

        assertThat(store.getMetadata("i-1")).isPresent();
        clock.advance(Duration.ofNanos(10));
        assertThat(store.getMetadata("i-1")).isEmpty();
    }

    @Test
    void closed_behavesAsUnavailable() {
        store.close();

        assertThat(store.putMetadata(metadata("i-1"), Duration.ofSeconds(1))).isFalse();
        assertThat(store.listInstances()).isInstanceOf(ReadResult.Unavailable.class);
    }
}
