package io.llumnix.sim.workload.generator;

import static java.util.Objects.requireNonNull;

import io.llumnix.sim.workload.PrefixBlocks;
import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.RequestLength;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Synthesises a workload: arrivals from an {@link ArrivalProcess}, lengths either drawn independently for prompt
 * and output or sampled (with replacement) from a pool of real request lengths such as ShareGPT's, and a fraction of
 * high-priority requests. Arrivals, lengths and priorities use independent random streams split from one seed, so
 * e.g. changing the rate leaves the lengths unchanged.
 *
 * <pre>{@code
 * Workload w = WorkloadGenerator.builder()
 *         .arrivals(new GammaArrivals(4.0, 4.0))
 *         .lengths(ZipfLengths.paper(256), ZipfLengths.paper(256))
 *         .highPriorityFraction(0.1)
 *         .build()
 *         .generate("zipf-256", 10_000, 42);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class WorkloadGenerator {

    private sealed interface Lengths permits Independent, Pooled {}

    private record Independent(LengthDistribution prompt, LengthDistribution output) implements Lengths {}

    private record Pooled(List<RequestLength> pool) implements Lengths {}

    private final ArrivalProcess arrivals;
    private final Lengths lengths;
    private final double highPriorityFraction;
    private final int maxTotalTokens;

    private WorkloadGenerator(Builder b) {
        this.arrivals = requireNonNull(b.arrivals, "arrivals are not set");
        this.lengths = requireNonNull(b.lengths, "lengths are not set");
        this.highPriorityFraction = b.highPriorityFraction;
        this.maxTotalTokens = b.maxTotalTokens;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ArrivalProcess arrivals() {
        return arrivals;
    }

    /** Generates {@code n} requests, reproducibly from {@code seed}. */
    public Workload generate(String name, int n, long seed) {
        requireNonNull(name, "name is null");
        if (n < 0) {
            throw new IllegalArgumentException("cannot generate a negative number of requests: " + n);
        }
        SplittableRandom root = new SplittableRandom(seed);
        RandomGenerator arrivalRng = root.split();
        RandomGenerator lengthRng = root.split();
        RandomGenerator priorityRng = root.split();
        long[] times = arrivals.arrivalNanos(n, arrivalRng);
        List<TraceRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RequestLength len = switch (lengths) {
                case Independent(LengthDistribution p, LengthDistribution o) -> new RequestLength(p.sample(lengthRng), o.sample(lengthRng));
                case Pooled(List<RequestLength> pool) -> pool.get(lengthRng.nextInt(pool.size()));
            };
            int prompt = len.promptTokens();
            int output = len.outputTokens();
            if (maxTotalTokens > 0) {
                // Like the artifact: keep the prompt, shorten the output to fit the context window.
                prompt = Math.min(prompt, maxTotalTokens - 1);
                output = Math.min(output, maxTotalTokens - prompt);
            }
            Priority priority = priorityRng.nextDouble() < highPriorityFraction ? Priority.HIGH : Priority.NORMAL;
            out.add(new TraceRequest(i, times[i], prompt, output, priority, PrefixBlocks.NONE));
        }
        return new Workload(name, out);
    }

    /** Configures a {@link WorkloadGenerator}; arrivals and lengths are required. */
    public static final class Builder {
        private @Nullable ArrivalProcess arrivals;
        private @Nullable Lengths lengths;
        private double highPriorityFraction;
        private int maxTotalTokens;

        private Builder() {}

        public Builder arrivals(ArrivalProcess arrivals) {
            this.arrivals = requireNonNull(arrivals, "arrivals is null");
            return this;
        }

        /** Prompt and output lengths drawn independently. */
        public Builder lengths(LengthDistribution prompt, LengthDistribution output) {
            this.lengths = new Independent(requireNonNull(prompt, "prompt is null"), requireNonNull(output, "output is null"));
            return this;
        }

        /** (prompt, output) pairs drawn uniformly with replacement from {@code pool}, e.g. ShareGPT's lengths. */
        public Builder lengths(List<RequestLength> pool) {
            if (pool.isEmpty()) {
                throw new IllegalArgumentException("length pool is empty");
            }
            this.lengths = new Pooled(List.copyOf(pool));
            return this;
        }

        /** Each request is high priority with this probability (default 0). */
        public Builder highPriorityFraction(double fraction) {
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new IllegalArgumentException("high-priority fraction must be in [0, 1], got " + fraction);
            }
            this.highPriorityFraction = fraction;
            return this;
        }

        /** Shortens outputs (and, if needed, prompts) so prompt + output fits {@code tokens}; 0 (default) = no limit. */
        public Builder maxTotalTokens(int tokens) {
            if (tokens != 0 && tokens < 2) {
                throw new IllegalArgumentException("max total tokens must be 0 (no limit) or at least 2, got " + tokens);
            }
            this.maxTotalTokens = tokens;
            return this;
        }

        public WorkloadGenerator build() {
            return new WorkloadGenerator(this);
        }
    }
}
