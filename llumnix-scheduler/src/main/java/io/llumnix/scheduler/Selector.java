package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Picks one instance among the candidates that pass the current pass's filters. Candidates are scanned in
 * index (= instance id) order. Returns the chosen index, or −1 when no candidate passes. Implementations are
 * thread-safe.
 */
sealed interface Selector {

    int select(int[] candidates, DecisionContext ctx);

    /**
     * Lexicographic over {@code metrics} (each oriented so better sorts first), ties broken by instance id —
     * a strict total order, so decisions are reproducible and no comparator inconsistency can starve an
     * instance. With {@code topK > 1}, one of the K best is drawn with the seeded generator.
     */
    record MetricBased(List<SchedulingMetric> metrics, int topK, RandomGenerator random) implements Selector {
        public MetricBased {
            metrics = List.copyOf(metrics);
            requireNonNull(random, "random is null");
            if (metrics.isEmpty()) {
                throw new IllegalArgumentException("a metric-based selector needs at least one metric");
            }
            if (topK < 1) {
                throw new IllegalArgumentException("--dispatch-top-k must be at least 1: " + topK);
            }
        }

        @Override
        public int select(int[] candidates, DecisionContext ctx) {
            return topK == 1 ? best(candidates, ctx) : bestOfTopK(candidates, ctx);
        }

        /** Negative when instance {@code a} is preferred to {@code b}; 0 only when {@code a == b}. */
        int compare(int a, int b, DecisionContext ctx) {
            for (int m = 0, n = metrics.size(); m < n; m++) {
                SchedulingMetric metric = metrics.get(m);
                int c = Double.compare(ctx.cost(metric, a), ctx.cost(metric, b));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a, b);
        }

        private int best(int[] candidates, DecisionContext ctx) {
            int nm = metrics.size();
            SchedulingMetric first = metrics.getFirst();
            int best = -1;
            double bestFirst = 0;
            double[] bestRest = nm > 1 ? new double[nm] : null;
            for (int i : candidates) {
                if (!ctx.passes(i)) {
                    continue;
                }
                double c0 = ctx.cost(first, i);
                if (best >= 0) {
                    int cmp = Double.compare(c0, bestFirst);
                    if (cmp > 0) {
                        continue;
                    }
                    if (cmp == 0) {
                        if (bestRest == null || !betterOnRest(i, bestRest, ctx)) {
                            continue; // equal on every metric: the earlier (lower id) instance stays best
                        }
                    }
                }
                best = i;
                bestFirst = c0;
                if (bestRest != null) {
                    for (int m = 1; m < nm; m++) {
                        bestRest[m] = ctx.cost(metrics.get(m), i);
                    }
                }
            }
            return best;
        }

        private boolean betterOnRest(int i, double[] bestRest, DecisionContext ctx) {
            for (int m = 1, n = metrics.size(); m < n; m++) {
                int c = Double.compare(ctx.cost(metrics.get(m), i), bestRest[m]);
                if (c != 0) {
                    return c < 0;
                }
            }
            return false;
        }

        private int bestOfTopK(int[] candidates, DecisionContext ctx) {
            int[] top = new int[topK]; // sorted best first
            int found = 0;
            for (int i : candidates) {
                if (!ctx.passes(i)) {
                    continue;
                }
                if (found == topK && compare(i, top[found - 1], ctx) >= 0) {
                    continue;
                }
                int pos = found == topK ? topK - 1 : found++;
                while (pos > 0 && compare(i, top[pos - 1], ctx) < 0) {
                    top[pos] = top[pos - 1];
                    pos--;
                }
                top[pos] = i;
            }
            return found == 0 ? -1 : top[random.nextInt(found)];
        }
    }

    /** Always the first candidate in id order: the {@code flood} policy, which piles every request on one instance. */
    record FixedPreference() implements Selector {
        @Override
        public int select(int[] candidates, DecisionContext ctx) {
            for (int i : candidates) {
                if (ctx.passes(i)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Each decision takes the next passing candidate in id order, cycling. */
    record RoundRobin(AtomicLong next) implements Selector {
        public RoundRobin {
            requireNonNull(next, "next is null");
        }

        RoundRobin() {
            this(new AtomicLong());
        }

        @Override
        public int select(int[] candidates, DecisionContext ctx) {
            int passing = 0;
            for (int i : candidates) {
                if (ctx.passes(i)) {
                    passing++;
                }
            }
            if (passing == 0) {
                return -1;
            }
            long turn = Math.floorMod(next.getAndIncrement(), (long) passing);
            int last = -1;
            for (int i : candidates) {
                if (ctx.passes(i)) {
                    if (turn-- == 0) {
                        return i;
                    }
                    last = i;
                }
            }
            return last; // a concurrent dispatch moved a load across a threshold between the two scans
        }
    }
}
