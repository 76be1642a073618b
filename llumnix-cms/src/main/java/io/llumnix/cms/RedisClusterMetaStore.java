package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.llumnix.core.InstanceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster meta store on Redis, for deployments where the scheduler and the llumlets live in different
 * processes. Keys are {@code llumnix:instance_metadata:<id>} and {@code llumnix:instance_status:<id>}, each
 * a JSON string with a TTL ({@code SET … PX}); listing scans the metadata keys and fetches both kinds with
 * {@code MGET} in batches.
 *
 * <p>Outages: the connection is established lazily and re-established in the background (with a backoff);
 * while Redis is unreachable commands are rejected at once rather than queued, and every operation reports
 * failure as {@link ClusterMetaStore} describes. An unreadable value (e.g. written by an incompatible
 * version) is skipped and logged, not fatal to the whole listing.
 *
 * <p>Thread-safe: one shared Lettuce connection (which is itself thread-safe); no lock is held while talking
 * to Redis.
 */
public final class RedisClusterMetaStore implements ClusterMetaStore {

    public static final String METADATA_PREFIX = "llumnix:instance_metadata:";
    public static final String STATUS_PREFIX = "llumnix:instance_status:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisClusterMetaStore.class);
    private static final int BATCH = 512;

    private final RedisCmsConfig config;
    private final RedisClient client;
    private final JsonMapper json;
    private final FailureLog failures = new FailureLog(LOG);
    private final AtomicReference<@Nullable StatefulRedisConnection<String, String>> connection =
            new AtomicReference<>();
    private final AtomicLong nextConnectNanos = new AtomicLong(System.nanoTime());
    private volatile boolean closed;

    public RedisClusterMetaStore(RedisCmsConfig config) {
        this.config = requireNonNull(config, "config is null");
        RedisURI.Builder uri = RedisURI.builder()
                .withHost(config.host())
                .withPort(config.port())
                .withDatabase(config.database())
                .withTimeout(config.commandTimeout());
        if (!config.password().isEmpty()) {
            if (config.username().isEmpty()) {
                uri.withPassword(config.password().toCharArray());
            } else {
                uri.withAuthentication(config.username(), config.password().toCharArray());
            }
        }
        this.client = RedisClient.create(uri.build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(config.commandTimeout()).build())
                .build());
        this.json = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    @Override
    public boolean putMetadata(InstanceMetadata metadata, Duration ttl) {
        requireNonNull(metadata, "metadata is null");
        ClusterMetaStore.checkTtl(requireNonNull(ttl, "ttl is null"));
        return set(METADATA_PREFIX + metadata.instanceId(), json.writeValueAsString(metadata), ttl, "putMetadata");
    }

    @Override
    public boolean putStatus(InstanceStatus status, Duration ttl) {
        requireNonNull(status, "status is null");
        ClusterMetaStore.checkTtl(requireNonNull(ttl, "ttl is null"));
        return set(STATUS_PREFIX + status.instanceId(), json.writeValueAsString(status), ttl, "putStatus");
    }

    @Override
    public Optional<InstanceMetadata> getMetadata(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        return get(METADATA_PREFIX + instanceId).flatMap(s -> decode(s, InstanceMetadata.class));
    }

    @Override
    public Optional<InstanceStatus> getStatus(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        return get(STATUS_PREFIX + instanceId).flatMap(s -> decode(s, InstanceStatus.class));
    }

    @Override
    public ReadResult<List<String>> listInstanceIds() {
        Optional<RedisCommands<String, String>> redis = commands();
        if (redis.isEmpty()) {
            return ReadResult.unavailable("redis " + address() + " is not connected");
        }
        try {
            return ReadResult.ok(scanIds(redis.get()));
        } catch (RuntimeException e) {
            failures.failure("listInstanceIds", e);
            return ReadResult.unavailable(e.toString());
        }
    }

    @Override
    public ReadResult<List<InstanceRecord>> listInstances() {
        Optional<RedisCommands<String, String>> redis = commands();
        if (redis.isEmpty()) {
            return ReadResult.unavailable("redis " + address() + " is not connected");
        }
        try {
            List<String> ids = scanIds(redis.get());
            List<InstanceRecord> records = new ArrayList<>(ids.size());
            for (int from = 0; from < ids.size(); from += BATCH) {
                List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
                Map<String, String> metas = mget(redis.get(), METADATA_PREFIX, batch);
                Map<String, String> stats = mget(redis.get(), STATUS_PREFIX, batch);
                for (String id : batch) {
                    String meta = metas.get(id);
                    if (meta == null) {
                        continue; // expired between SCAN and MGET
                    }
                    Optional<InstanceMetadata> m = decode(meta, InstanceMetadata.class);
                    if (m.isEmpty() || !m.get().instanceId().equals(id)) {
                        continue;
                    }
                    String stat = stats.get(id);
                    Optional<InstanceStatus> s = stat == null
                            ? Optional.empty()
                            : decode(stat, InstanceStatus.class).filter(v -> v.instanceId().equals(id));
                    records.add(new InstanceRecord(m.get(), s));
                }
            }
            return ReadResult.ok(List.copyOf(records));
        } catch (RuntimeException e) {
            failures.failure("listInstances", e);
            return ReadResult.unavailable(e.toString());
        }
    }

    @Override
    public boolean delete(String instanceId) {
        requireNonNull(instanceId, "instanceId is null");
        Optional<RedisCommands<String, String>> redis = commands();
        if (redis.isEmpty()) {
            return false;
        }
        try {
            redis.get().del(METADATA_PREFIX + instanceId, STATUS_PREFIX + instanceId);
            return true;
        } catch (RuntimeException e) {
            failures.failure("delete", e);
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> c = connection.getAndSet(null);
        if (c != null) {
            c.close();
        }
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private String address() {
        return config.host() + ":" + config.port();
    }

    private boolean set(String key, String value, Duration ttl, String operation) {
        Optional<RedisCommands<String, String>> redis = commands();
        if (redis.isEmpty()) {
            return false;
        }
        try {
            redis.get().set(key, value, SetArgs.Builder.px(Math.max(1, ttl.toMillis())));
            return true;
        } catch (RuntimeException e) {
            failures.failure(operation, e);
            return false;
        }
    }

    private Optional<String> get(String key) {
        Optional<RedisCommands<String, String>> redis = commands();
        if (redis.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(redis.get().get(key));
        } catch (RuntimeException e) {
            failures.failure("get", e);
            return Optional.empty();
        }
    }

    private <T> Optional<T> decode(String text, Class<T> type) {
        try {
            return Optional.of(json.readValue(text, type));
        } catch (RuntimeException e) {
            failures.failure("decode " + type.getSimpleName(), e);
            return Optional.empty();
        }
    }

    private static List<String> scanIds(RedisCommands<String, String> redis) {
        TreeSet<String> ids = new TreeSet<>(); // SCAN may return a key twice
        ScanArgs args = ScanArgs.Builder.matches(METADATA_PREFIX + "*").limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, args);
            for (String key : page.getKeys()) {
                ids.add(key.substring(METADATA_PREFIX.length()));
            }
            cursor = page;
        } while (!cursor.isFinished());
        return List.copyOf(ids);
    }

    private static Map<String, String> mget(RedisCommands<String, String> redis, String prefix, List<String> ids) {
        String[] keys = new String[ids.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = prefix + ids.get(i);
        }
        Map<String, String> values = new HashMap<>();
        for (KeyValue<String, String> kv : redis.mget(keys)) {
            if (kv.hasValue()) {
                values.put(kv.getKey().substring(prefix.length()), kv.getValue());
            }
        }
        return values;
    }

    /**
     * The shared connection, establishing it if needed. Connection attempts are spaced by the configured
     * backoff so that an outage costs one failed connect per backoff, not one per call.
     */
    private Optional<RedisCommands<String, String>> commands() {
        if (closed) {
            return Optional.empty();
        }
        StatefulRedisConnection<String, String> c = connection.get();
        if (c != null) {
            return Optional.of(c.sync());
        }
        long now = System.nanoTime();
        long next = nextConnectNanos.get();
        if (now - next < 0 || !nextConnectNanos.compareAndSet(next, now + config.reconnectBackoff().toNanos())) {
            return Optional.empty();
        }
        try {
            StatefulRedisConnection<String, String> fresh = client.connect();
            if (!connection.compareAndSet(null, fresh) || closed) {
                fresh.close();
            } else {
                LOG.info("cluster meta store connected to redis {}", address());
            }
            StatefulRedisConnection<String, String> current = connection.get();
            return current == null ? Optional.empty() : Optional.of(current.sync());
        } catch (RuntimeException e) {
            failures.failure("connect to redis " + address(), e);
            return Optional.empty();
        }
    }
}
