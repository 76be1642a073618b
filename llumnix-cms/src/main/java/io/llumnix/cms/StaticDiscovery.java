package io.llumnix.cms;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A fixed list of instance endpoints, given as {@code host:port} (flag {@code --static-instances}); each
 * instance's id is its {@code host:port}. Immutable and thread-safe.
 */
public final class StaticDiscovery implements InstanceDiscovery {

    private final List<InstanceMetadata> instances;

    public StaticDiscovery(List<InstanceMetadata> instances) {
        List<InstanceMetadata> sorted = new ArrayList<>(requireNonNull(instances, "instances is null"));
        sorted.sort(Comparator.comparing(InstanceMetadata::instanceId));
        Set<String> seen = new HashSet<>();
        for (InstanceMetadata m : sorted) {
            if (!seen.add(m.instanceId())) {
                throw new IllegalArgumentException("duplicate instance " + m.instanceId());
            }
        }
        this.instances = List.copyOf(sorted);
    }

    /**
     * Parses {@code host:port[,host:port…]}; IPv6 hosts are written in brackets ({@code [::1]:8000}).
     *
     * @throws IllegalArgumentException naming the malformed entry
     */
    public static StaticDiscovery parse(String endpoints) {
        requireNonNull(endpoints, "endpoints is null");
        List<InstanceMetadata> list = new ArrayList<>();
        for (String raw : endpoints.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("instance endpoint must be host:port, got '" + entry + "'");
            }
            String host = entry.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("instance endpoint has a bad port: '" + entry + "'", e);
            }
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("instance endpoint port out of range: '" + entry + "'");
            }
            list.add(InstanceMetadata.ofEndpoint(host, port));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no instance endpoints in '" + endpoints + "'");
        }
        return new StaticDiscovery(list);
    }

    @Override
    public ReadResult<List<InstanceMetadata>> discover() {
        return ReadResult.ok(instances);
    }
}
