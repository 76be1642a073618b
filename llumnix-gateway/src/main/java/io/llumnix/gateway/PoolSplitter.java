package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The weighted split of {@link TrafficPolicy}: draws each request's pool and tells which known instances lie
 * outside it. The gateway hands those to the scheduler as excluded instances, so the scheduling policy (and the
 * fallback round robin) chooses within the pool only.
 *
 * <p>Thread-safe: the draw for the n-th request is a pure function of (seed, n), taken from an atomic counter.
 */
final class PoolSplitter {

    /** The pool a request goes to, and the instances it must not use. */
    record Route(String pool, Set<String> excludedInstanceIds) {}

    /** A pool's members as lookups: {@code host:port} of its URLs, and its instance ids. */
    private record Members(Set<String> hostPorts, Set<String> instanceIds) {
        static Members of(TrafficPolicy.Pool pool) {
            Set<String> hostPorts = new HashSet<>();
            Set<String> ids = new HashSet<>();
            for (String m : pool.members()) {
                if (m.contains("://")) {
                    java.net.URI u = TrafficPolicy.hostPort(m);
                    hostPorts.add(u.getHost() + ":" + u.getPort());
                } else {
                    ids.add(m);
                }
            }
            return new Members(Set.copyOf(hostPorts), Set.copyOf(ids));
        }

        boolean contain(InstanceMetadata m) {
            return instanceIds.contains(m.instanceId()) || hostPorts.contains(m.host() + ":" + m.apiPort());
        }
    }

    private final List<TrafficPolicy.Pool> pools;
    private final List<Members> members;
    private final long[] cumulative;
    private final long seed;
    private final BackendDirectory directory;
    private final AtomicLong arrivals = new AtomicLong();
    private final Counter[] chosen;

    PoolSplitter(List<TrafficPolicy.Pool> pools, long seed, BackendDirectory directory, MeterRegistry registry) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("a split needs at least one pool");
        }
        this.pools = List.copyOf(pools);
        this.members = pools.stream().map(Members::of).toList();
        this.seed = seed;
        this.directory = requireNonNull(directory, "directory is null");
        this.cumulative = new long[pools.size()];
        this.chosen = new Counter[pools.size()];
        long sum = 0;
        for (int i = 0; i < pools.size(); i++) {
            sum += pools.get(i).weight();
            cumulative[i] = sum;
            chosen[i] = Counter.builder("llumnix_gateway_pool_requests").description("Requests routed to each pool of the weighted split")
                    .tag("pool", pools.get(i).name()).register(registry);
        }
    }

    /** Draws the next request's pool. */
    Route route() {
        int i = draw(unit(seed, arrivals.getAndIncrement()));
        chosen[i].increment();
        Members inside = members.get(i);
        Set<String> outside = new HashSet<>();
        for (InstanceMetadata m : directory.instances()) {
            if (!inside.contain(m)) {
                outside.add(m.instanceId());
            }
        }
        return new Route(pools.get(i).name(), outside);
    }

    /** The pool whose cumulative-weight interval holds {@code u} (0 ≤ u < 1). */
    int draw(double u) {
        double target = u * cumulative[cumulative.length - 1];
        for (int i = 0; i < cumulative.length; i++) {
            if (target < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    /** SplitMix64 of (seed, n) as a double in [0, 1). */
    static double unit(long seed, long n) {
        long z = seed + (n + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
