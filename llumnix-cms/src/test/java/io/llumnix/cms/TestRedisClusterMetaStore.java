package io.llumnix.cms;

import static io.llumnix.cms.TestingStatuses.metadata;
import static io.llumnix.cms.TestingStatuses.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store contract against a real redis-server, plus what only a networked backend can do: fail. */
final class TestRedisClusterMetaStore extends AbstractTestClusterMetaStore {

    private static RedisServerProcess redis;
    private RedisClusterMetaStore store;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.startNew();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (redis != null) {
            redis.stop();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        store = new RedisClusterMetaStore(new RedisCmsConfig("127.0.0.1", redis.port(), "", "", 0,
                Duration.ofMillis(500), Duration.ofMillis(50)));
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
    void advance(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    @Test
    void keys_followLlumnixNaming() throws Exception {
        store.putMetadata(metadata("i-1"), Duration.ofMinutes(1));
        store.putStatus(status("i-1", 1), Duration.ofMinutes(1));

        assertThat(redis.command("EXISTS llumnix:instance_metadata:i-1")).isEqualTo(":1");
        assertThat(redis.command("EXISTS llumnix:instance_status:i-1")).isEqualTo(":1");
        assertThat(Long.parseLong(redis.command("PTTL llumnix:instance_status:i-1").substring(1)))
                .isBetween(1L, 60_000L);
    }

    @Test
    void corruptValue_isSkippedNotFatal() throws Exception {
        store.putMetadata(metadata("i-1"), Duration.ofMinutes(1));
        redis.command("SET llumnix:instance_metadata:i-2 not-json");

        assertThat(ok(store.listInstances())).extracting(InstanceRecord::instanceId).containsExactly("i-1");
        assertThat(store.getMetadata("i-2")).isEmpty();
    }

    @Test
    void outage_reportsFailuresWithoutThrowing_thenRecovers() throws Exception {
        store.putMetadata(metadata("i-1"), Duration.ofMinutes(1));
        redis.stop();
        try {
            long start = System.nanoTime();
            assertThat(store.putStatus(status("i-1", 1), Duration.ofMinutes(1))).isFalse();
            assertThat(store.getMetadata("i-1")).isEmpty();
            assertThat(store.listInstances()).isInstanceOf(ReadResult.Unavailable.class);
            assertThat(store.listInstanceIds()).isInstanceOf(ReadResult.Unavailable.class);
            assertThat(store.delete("i-1")).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            redis.start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!store.putMetadata(metadata("i-3"), Duration.ofMinutes(1)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ok(store.listInstanceIds())).isEqualTo(List.of("i-3")); // a restarted redis is empty
    }

    @Test
    void neverConnected_storeStartsWhenRedisIsDown() {
        try (RedisClusterMetaStore down = new RedisClusterMetaStore(new RedisCmsConfig("127.0.0.1", 1, "", "", 0,
                Duration.ofMillis(200), Duration.ofMillis(10)))) {
            assertThat(down.putMetadata(metadata("i-1"), Duration.ofSeconds(1))).isFalse();
            assertThat(down.listInstances()).isInstanceOf(ReadResult.Unavailable.class);
        }
    }
}
