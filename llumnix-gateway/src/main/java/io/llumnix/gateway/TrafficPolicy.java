package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How a gateway spreads traffic over backend pools and what it mirrors (issue 5, traffic management):
 * <ul>
 *   <li><b>Weighted split</b>: each request draws a pool with probability weight / total weight, and the scheduler
 *       (or the fallback round robin) then picks an instance within that pool only. A pool's members are instance
 *       base URLs ({@code http://host:port}, matched against the instances' host and API port) or instance ids.
 *       Retries stay in the drawn pool.</li>
 *   <li><b>Mirroring</b>: a sampled fraction of the requests the gateway accepts is also sent, body unchanged, to a
 *       shadow pool outside the scheduler, fire and forget: the answer is read and dropped, and it never delays,
 *       alters or fails the client's response. At most {@code maxInFlight} mirrored requests are outstanding; beyond
 *       that a sampled request is dropped (counted in {@code /metrics}).</li>
 * </ul>
 * Draws are a pure function of {@code seed} and the request's arrival number, so a run is reproducible from its
 * seed. Immutable.
 *
 * @param pools the pools of the split; empty: no split (the scheduler sees every instance)
 * @param mirror the shadow pool, if any
 * @param seed seed of the pool and sampling draws
 */
public record TrafficPolicy(List<Pool> pools, Optional<Mirror> mirror, long seed) {

    /**
     * A named group of instances and its share of the traffic.
     *
     * @param members instance base URLs ({@code http://host:port}) or instance ids
     */
    public record Pool(String name, int weight, List<String> members) {
        public Pool {
            requireNonNull(name, "name is null");
            members = List.copyOf(requireNonNull(members, "members is null"));
            if (name.isBlank()) {
                throw new IllegalArgumentException("pool name must not be empty");
            }
            if (weight < 0) {
                throw new IllegalArgumentException("pool '" + name + "': weight must not be negative, got " + weight);
            }
            if (members.isEmpty()) {
                throw new IllegalArgumentException("pool '" + name + "' has no members");
            }
            for (String m : members) {
                if (m.contains("://")) {
                    hostPort(m);
                }
            }
        }

        /**
         * Parses {@code NAME=WEIGHT:MEMBER[,MEMBER…]}, e.g. {@code stable=90:http://10.0.0.1:8001,http://10.0.0.2:8001}.
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        public static Pool parse(String spec) {
            requireNonNull(spec, "spec is null");
            int eq = spec.indexOf('=');
            int colon = eq < 0 ? -1 : spec.indexOf(':', eq);
            if (eq <= 0 || colon < 0) {
                throw new IllegalArgumentException("--pool must be NAME=WEIGHT:URL[,URL...], got '" + spec + "'");
            }
            int weight;
            try {
                weight = Integer.parseInt(spec.substring(eq + 1, colon).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--pool '" + spec + "': weight must be an integer, got '" + spec.substring(eq + 1, colon) + "'");
            }
            return new Pool(spec.substring(0, eq).strip(), weight, TrafficPolicy.members(spec.substring(colon + 1)));
        }
    }

    /**
     * The shadow pool.
     *
     * @param targets base URLs ({@code http://host:port}) the mirrored requests go to, in turn
     * @param fraction share of the accepted requests mirrored, 0..1
     * @param maxInFlight mirrored requests outstanding at most; more are dropped
     * @param timeout how long a mirrored request may take (connect, and silence while answering) before it counts as
     *     failed and frees its slot
     */
    public record Mirror(List<String> targets, double fraction, int maxInFlight, Duration timeout) {
        public Mirror {
            targets = List.copyOf(requireNonNull(targets, "targets is null"));
            requireNonNull(timeout, "timeout is null");
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("--mirror-pool has no URLs");
            }
            targets.forEach(TrafficPolicy::hostPort);
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new IllegalArgumentException("--mirror-fraction must be in 0..1, got " + fraction);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("--mirror-max-in-flight must be at least 1, got " + maxInFlight);
            }
            if (!timeout.isPositive()) {
                throw new IllegalArgumentException("mirror timeout must be positive, got " + timeout);
            }
        }
    }

    public TrafficPolicy {
        pools = List.copyOf(requireNonNull(pools, "pools is null"));
        requireNonNull(mirror, "mirror is null");
        Set<String> names = new HashSet<>();
        for (Pool p : pools) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("pool '" + p.name() + "' is defined twice");
            }
        }
        if (!pools.isEmpty() && pools.stream().mapToLong(Pool::weight).sum() <= 0) {
            throw new IllegalArgumentException("the pools' weights add up to 0; give at least one a positive weight");
        }
    }

    /** No split and no mirror. */
    public static TrafficPolicy none() {
        return new TrafficPolicy(List.of(), Optional.empty(), 0);
    }

    /** Comma-separated members, blanks ignored. */
    static List<String> members(String list) {
        List<String> out = new ArrayList<>();
        for (String m : list.split(",")) {
            if (!m.isBlank()) {
                out.add(m.strip());
            }
        }
        return out;
    }

    /** The host and port of an {@code http://host:port} URL; throws naming the URL otherwise. */
    static URI hostPort(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL: " + e.getMessage(), e);
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
            throw new IllegalArgumentException("'" + url + "' is not http://HOST:PORT");
        }
        return u;
    }
}
