package io.llumnix.sim.experiment;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches this process for stalls while a real run is measured, so that a latency tail can be told apart from what
 * the system under test does: a thread that asks to sleep 1 ms at a time records every wake-up at least
 * {@code thresholdNanos} late (then every thread of the process, engine step threads included, was held up for about
 * as long: a safepoint, or no core to run on), and the machine's and this process's CPU time are sampled every
 * {@value #SAMPLE_MS} ms, so that each stall can be shown beside how busy other processes kept the cores and how much
 * CPU the hypervisor took from this virtual machine meanwhile (steal time).
 *
 * <p>Linux only for the machine's CPU ({@code /proc/stat}); elsewhere that column is empty. Thread-safe: start, then
 * stop once; {@link #stop()} returns the report.
 */
final class StallMonitor {

    /**
     * One stall: when it started (ns since {@link #start()}), how long, and around it (± {@value #SAMPLE_MS} ms) the
     * cores' worth of CPU other processes used and the hypervisor took from this machine ("steal").
     */
    record Stall(long atNanos, long nanos, Optional<Double> othersCores, Optional<Double> stealCores) {}

    /**
     * What the monitor saw.
     *
     * @param stalls wake-ups at least the threshold late, in order
     * @param othersCores cores' worth of CPU other processes used over the whole watch (empty off Linux)
     * @param stealCores cores' worth of CPU the hypervisor took from this machine over the whole watch (empty off Linux)
     * @param processCores cores' worth of CPU this process used over the whole watch
     */
    record Report(List<Stall> stalls, Optional<Double> othersCores, Optional<Double> stealCores, double processCores) {

        Report {
            stalls = List.copyOf(stalls);
        }

        long longestNanos() {
            return stalls.stream().mapToLong(Stall::nanos).max().orElse(0);
        }

        long totalNanos() {
            return stalls.stream().mapToLong(Stall::nanos).sum();
        }
    }

    private static final int SAMPLE_MS = 100;
    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** USER_HZ of /proc/stat on every Linux the JDK supports. */
    private static final double JIFFY_NANOS = 1e7;

    /** Busy and steal time are -1 where {@code /proc/stat} is not available. */
    private record Sample(long atNanos, long machineBusyNanos, long stealNanos, long processCpuNanos) {}

    private final long thresholdNanos;
    /** A late wake-up as the watcher saw it: ns since start, and how late. */
    private record Late(long atNanos, long nanos) {}

    private final List<Late> stalls = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private volatile boolean running;
    private Thread thread;
    private long startNanos;

    StallMonitor(long thresholdNanos) {
        if (thresholdNanos <= 0) {
            throw new IllegalArgumentException("thresholdNanos must be positive, got " + thresholdNanos);
        }
        this.thresholdNanos = thresholdNanos;
    }

    synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        running = true;
        startNanos = System.nanoTime();
        samples.add(sample());
        thread = Thread.ofPlatform().daemon(true).name("validation-stall-monitor").start(this::watch);
    }

    private void watch() {
        long nextSample = startNanos + SAMPLE_MS * 1_000_000L;
        long before = System.nanoTime();
        while (running) {
            LockSupport.parkNanos(1_000_000L);
            long now = System.nanoTime();
            long late = now - before - 1_000_000L;
            if (late >= thresholdNanos) {
                synchronized (this) {
                    stalls.add(new Late(before + 1_000_000L - startNanos, late));
                }
            }
            if (now >= nextSample) {
                Sample s = sample();
                synchronized (this) {
                    samples.add(s);
                }
                nextSample = now + SAMPLE_MS * 1_000_000L;
                now = System.nanoTime(); // the sampling's own time is no stall
            }
            before = now;
        }
    }

    /** Stops watching and reports. */
    Report stop() {
        Thread t;
        synchronized (this) {
            if (thread == null) {
                throw new IllegalStateException("not started");
            }
            running = false;
            t = thread;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            samples.add(sample());
            List<Stall> out = new ArrayList<>();
            long window = SAMPLE_MS * 1_000_000L;
            for (Late s : stalls) {
                long from = startNanos + s.atNanos() - window;
                long to = startNanos + s.atNanos() + s.nanos() + window;
                out.add(new Stall(s.atNanos(), s.nanos(), othersCores(from, to), stealCores(from, to)));
            }
            Sample first = samples.getFirst();
            Sample last = samples.getLast();
            double wall = Math.max(1, last.atNanos() - first.atNanos());
            return new Report(out, othersCores(first.atNanos(), last.atNanos()), stealCores(first.atNanos(), last.atNanos()),
                    (last.processCpuNanos() - first.processCpuNanos()) / wall);
        }
    }

    /** Cores' worth of CPU that other processes used between two instants, from the samples that bracket them. */
    private Optional<Double> othersCores(long fromNanos, long toNanos) {
        return bracket(fromNanos, toNanos).map(ab -> {
            double others = (ab[1].machineBusyNanos() - ab[0].machineBusyNanos()) - (ab[1].processCpuNanos() - ab[0].processCpuNanos());
            return Math.max(0, others / (ab[1].atNanos() - ab[0].atNanos()));
        });
    }

    /** Cores' worth of CPU the hypervisor took (steal time) between two instants. */
    private Optional<Double> stealCores(long fromNanos, long toNanos) {
        return bracket(fromNanos, toNanos).map(ab -> (double) (ab[1].stealNanos() - ab[0].stealNanos()) / (ab[1].atNanos() - ab[0].atNanos()));
    }

    /** The last sample at or before {@code fromNanos} and the first at or after {@code toNanos} (else the ends). */
    private Optional<Sample[]> bracket(long fromNanos, long toNanos) {
        Sample a = null;
        Sample b = null;
        for (Sample s : samples) {
            if (s.atNanos() <= fromNanos || a == null) {
                a = s;
            }
            if (b == null && s.atNanos() >= toNanos) {
                b = s;
            }
        }
        if (b == null) {
            b = samples.getLast();
        }
        if (a == null || a.machineBusyNanos() < 0 || b.machineBusyNanos() < 0 || b.atNanos() <= a.atNanos()) {
            return Optional.empty();
        }
        return Optional.of(new Sample[] {a, b});
    }

    private Sample sample() {
        long[] busyAndSteal = machineBusyAndStealNanos();
        return new Sample(System.nanoTime(), busyAndSteal[0], busyAndSteal[1], os.getProcessCpuTime());
    }

    /**
     * All cores' busy time since boot from {@code /proc/stat} (user, nice, system, irq, softirq) and their steal time
     * (the hypervisor ran something else while this machine's virtual CPU wanted to run), or -1 each.
     */
    private static long[] machineBusyAndStealNanos() {
        try {
            String line = Files.readAllLines(PROC_STAT).getFirst();
            String[] f = line.trim().split("\\s+");
            if (!f[0].equals("cpu") || f.length < 9) {
                return new long[] {-1, -1};
            }
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
            return new long[] {Math.round(busy * JIFFY_NANOS), Math.round(Long.parseLong(f[8]) * JIFFY_NANOS)};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }
}
