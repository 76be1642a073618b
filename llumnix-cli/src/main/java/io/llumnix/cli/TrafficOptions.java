package io.llumnix.cli;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.InferType;
import io.llumnix.gateway.TrafficPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The traffic management flags of {@code llumnix gateway} ({@link TrafficPolicy}): a weighted split across backend
 * pools ({@code --pool}, repeatable) and mirroring a sampled fraction to a shadow pool ({@code --mirror-pool}).
 */
final class TrafficOptions {

    @Option(names = "--pool", paramLabel = "NAME=WEIGHT:URL[,URL...]",
            description = "A backend pool of the weighted split (repeatable): each request draws a pool by weight, then the scheduler picks "
                    + "an instance in it. Members are instance base URLs or instance ids.")
    List<String> pools = new ArrayList<>();

    @Option(names = "--mirror-pool", paramLabel = "URL[,URL...]",
            description = "Shadow pool: sampled requests are also sent there, fire and forget (never delaying or failing the client).")
    Optional<String> mirrorPool = Optional.empty();

    @Option(names = "--mirror-fraction", paramLabel = "F", defaultValue = "1.0",
            description = "Share of the accepted requests mirrored to --mirror-pool, 0..1 (default ${DEFAULT-VALUE}).")
    double mirrorFraction = 1.0;

    @Option(names = "--mirror-max-in-flight", paramLabel = "N", defaultValue = "64",
            description = "Mirrored requests outstanding at most; more are dropped and counted (default ${DEFAULT-VALUE}).")
    int mirrorMaxInFlight = 64;

    @Option(names = "--traffic-seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the pool draws and mirror sampling (default ${DEFAULT-VALUE}).")
    long seed = 1;

    /** The policy the flags describe; throws {@link UserException} naming the bad flag. */
    TrafficPolicy policy(Duration mirrorTimeout) {
        try {
            List<TrafficPolicy.Pool> parsed = pools.stream().map(TrafficPolicy.Pool::parse).toList();
            Optional<TrafficPolicy.Mirror> mirror = mirrorPool.map(m -> new TrafficPolicy.Mirror(
                    List.of(m.split(",")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList(), mirrorFraction, mirrorMaxInFlight,
                    mirrorTimeout));
            return new TrafficPolicy(parsed, mirror, seed);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    /** Whether any traffic flag was given. */
    boolean configured() {
        return !pools.isEmpty() || mirrorPool.isPresent();
    }

    /**
     * The pools' URL members as instances, for a gateway without {@code --backends} or {@code --redis} (model list,
     * health, and the fallback while the scheduler is unreachable).
     */
    List<InstanceMetadata> poolInstances(TrafficPolicy policy, String servedModelName) {
        List<InstanceMetadata> list = new ArrayList<>();
        for (TrafficPolicy.Pool p : policy.pools()) {
            for (String m : p.members()) {
                if (m.contains("://")) {
                    URI u = URI.create(m);
                    list.add(new InstanceMetadata(p.name() + "-" + list.size(), u.getHost(), u.getPort(), 0, InferType.NEUTRAL, "", "",
                            servedModelName, 0, 0, ""));
                }
            }
        }
        return list;
    }
}
