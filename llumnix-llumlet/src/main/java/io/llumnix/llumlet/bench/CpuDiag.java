package io.llumnix.llumlet.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A diagnostic of where the cores go while a migration runs: with {@code LLUMNIX_MIGRATION_CPU=1} the benchmark
 * prints, for each migration, the on-CPU time of every thread group of both processes (this one and the destination)
 * over the migration, from {@code /proc/PID/task/TID/schedstat} (nanoseconds; Linux only, silent elsewhere). It is
 * how the fixed per-migration cost outside the engine (gRPC, migration thread, the destination) and the JIT
 * compilers' bursts inside measured windows were found. Not thread-safe beyond the benchmark's one migration at a
 * time.
 */
final class CpuDiag {
    static final boolean ON = "1".equals(System.getenv("LLUMNIX_MIGRATION_CPU"));
    private static Map<String, Long> s0 = new HashMap<>();
    private static Map<String, Long> p0 = new HashMap<>();
    private static long peer;

    static synchronized void start(long peerPid) {
        if (!ON) return;
        peer = peerPid;
        s0 = snap(ProcessHandle.current().pid());
        p0 = snap(peer);
    }

    static synchronized void end(String id, long wallNanos) {
        if (!ON) return;
        Map<String, Long> s1 = snap(ProcessHandle.current().pid());
        Map<String, Long> p1 = snap(peer);
        System.err.println("CPUDIAG " + id + " wall " + wallNanos / 1_000_000 + " ms | src " + diff(s0, s1) + " | dst " + diff(p0, p1));
    }

    private static String diff(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> g = new TreeMap<>();
        b.forEach((k, v) -> {
            long d = v - a.getOrDefault(k, 0L);
            g.merge(k.replaceAll("#\\d+$", "").replaceAll("[-]?\\d+$", ""), d, Long::sum);
        });
        long total = g.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder sb = new StringBuilder("total=" + total / 100_000 / 10.0);
        g.entrySet().stream().filter(e -> e.getValue() > 300_000).sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> sb.append(' ').append(e.getKey().replace(' ', '_')).append('=').append(e.getValue() / 100_000 / 10.0));
        return sb.toString();
    }

    private static Map<String, Long> snap(long pid) {
        Map<String, Long> m = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc/" + pid + "/task"))) {
            dirs.forEach(d -> {
                try {
                    String comm = Files.readString(d.resolve("comm")).strip();
                    long ns = Long.parseLong(Files.readString(d.resolve("schedstat")).split(" ")[0]);
                    m.put(comm + "#" + d.getFileName(), ns);
                } catch (Exception e) {
                }
            });
        } catch (Exception e) {
        }
        return m;
    }
}
