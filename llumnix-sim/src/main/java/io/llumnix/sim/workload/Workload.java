package io.llumnix.sim.workload;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A named sequence of requests in arrival order: what one simulation run replays. Transformations (rate scaling,
 * taking a prefix, assigning priorities, capping lengths) return new workloads; randomised ones take a seed and are
 * reproducible from it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name where the workload came from, for reports (e.g. {@code azure-conv}, {@code zipf-256@4.0rps})
 * @param requests requests sorted by arrival time (ties keep source order)
 */
public record Workload(String name, List<TraceRequest> requests) {

    private static final Comparator<TraceRequest> BY_ARRIVAL = Comparator.comparingLong(TraceRequest::arrivalNanos);

    public Workload {
        requireNonNull(name, "name is null");
        requests = List.copyOf(requireNonNull(requests, "requests is null"));
        for (int i = 1; i < requests.size(); i++) {
            if (requests.get(i).arrivalNanos() < requests.get(i - 1).arrivalNanos()) {
                throw new IllegalArgumentException("workload " + name + " is not in arrival order at index " + i
                        + ": " + requests.get(i - 1).arrivalNanos() + " then " + requests.get(i).arrivalNanos() + " ns");
            }
        }
    }

    /** A workload of {@code requests} in any order, stably sorted by arrival. */
    public static Workload sortedByArrival(String name, List<TraceRequest> requests) {
        List<TraceRequest> sorted = new ArrayList<>(requests);
        sorted.sort(BY_ARRIVAL);
        return new Workload(name, sorted);
    }

    public int size() {
        return requests.size();
    }

    public boolean isEmpty() {
        return requests.isEmpty();
    }

    /** Time from the first arrival to the last. */
    public Duration span() {
        return isEmpty() ? Duration.ZERO : Duration.ofNanos(last().arrivalNanos() - requests.getFirst().arrivalNanos());
    }

    /** Arrivals per second over the span ({@code (n - 1) / span}); 0 for fewer than two requests or a zero span. */
    public double meanRatePerSecond() {
        long spanNanos = span().toNanos();
        return size() < 2 || spanNanos == 0 ? 0.0 : (size() - 1) * 1e9 / spanNanos;
    }

    /** Coefficient of variation of inter-arrival times (1 for Poisson arrivals); 0 when undefined. */
    public double interArrivalCv() {
        int gaps = size() - 1;
        if (gaps < 2) {
            return 0.0;
        }
        double mean = 0;
        for (int i = 1; i < size(); i++) {
            mean += gap(i);
        }
        mean /= gaps;
        double var = 0;
        for (int i = 1; i < size(); i++) {
            double d = gap(i) - mean;
            var += d * d;
        }
        var /= gaps - 1;
        return mean == 0 ? 0.0 : Math.sqrt(var) / mean;
    }

    public double meanPromptTokens() {
        return requests.stream().mapToInt(TraceRequest::promptTokens).average().orElse(0);
    }

    public double meanOutputTokens() {
        return requests.stream().mapToInt(TraceRequest::outputTokens).average().orElse(0);
    }

    /**
     * Multiplies the arrival rate by {@code factor}: timestamps are divided by it, so 2.0 replays the trace twice as
     * fast and 0.5 stretches it to twice its length. Lengths and order are unchanged.
     */
    public Workload scaleRate(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("rate factor must be positive and finite, got " + factor);
        }
        List<TraceRequest> out = new ArrayList<>(size());
        for (TraceRequest r : requests) {
            out.add(r.withArrivalNanos(Math.round(r.arrivalNanos() / factor)));
        }
        return new Workload(name + "x" + formatFactor(factor), out);
    }

    /** Rescales arrivals so that the mean rate becomes {@code ratePerSecond}. */
    public Workload withMeanRate(double ratePerSecond) {
        double current = meanRatePerSecond();
        if (current == 0) {
            throw new IllegalStateException("workload " + name + " has no defined rate to rescale");
        }
        return scaleRate(ratePerSecond / current);
    }

    /** The first {@code n} requests (all of them when there are fewer). */
    public Workload first(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot take a negative number of requests: " + n);
        }
        return n >= size() ? this : new Workload(name, requests.subList(0, n));
    }

    /**
     * Marks each request high priority with probability {@code fraction} (and normal otherwise), independently and
     * reproducibly from {@code seed}.
     */
    public Workload withHighPriorityFraction(double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("high-priority fraction must be in [0, 1], got " + fraction);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<TraceRequest> out = new ArrayList<>(size());
        for (TraceRequest r : requests) {
            out.add(r.withPriority(rng.nextDouble() < fraction ? Priority.HIGH : Priority.NORMAL));
        }
        return new Workload(name, out);
    }

    /**
     * Fits every request into a context window of {@code maxTotalTokens}: the prompt keeps at most
     * {@code maxTotalTokens - 1} tokens (dropping prefix hashes past its end) and the output at most what remains.
     */
    public Workload capTotalTokens(int maxTotalTokens) {
        if (maxTotalTokens < 2) {
            throw new IllegalArgumentException("a context window needs at least 2 tokens, got " + maxTotalTokens);
        }
        List<TraceRequest> out = new ArrayList<>(size());
        for (TraceRequest r : requests) {
            int prompt = Math.min(r.promptTokens(), maxTotalTokens - 1);
            int output = Math.min(r.outputTokens(), maxTotalTokens - prompt);
            PrefixBlocks prefix = r.prefix();
            if (!prefix.isEmpty()) {
                int keep = Math.min(prefix.hashes().size(), (prompt + prefix.blockTokens() - 1) / prefix.blockTokens());
                prefix = new PrefixBlocks(prefix.blockTokens(), prefix.hashes().subList(0, keep));
            }
            out.add(new TraceRequest(r.id(), r.arrivalNanos(), prompt, output, r.priority(), prefix));
        }
        return new Workload(name, out);
    }

    private TraceRequest last() {
        return requests.getLast();
    }

    private double gap(int i) {
        return requests.get(i).arrivalNanos() - requests.get(i - 1).arrivalNanos();
    }

    private static String formatFactor(double factor) {
        return factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor);
    }
}
