package io.llumnix.sim.workload.generator;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The paper's power-law lengths (Llumnix artifact, {@code benchmark_serving.py}, distribution {@code zipf}): draw a
 * rank {@code k} in {@code 1 .. 2·mean − 1} with probability ∝ {@code k^−α}, scale it so that the mean becomes
 * {@code mean} and round up, then cap at {@code cap}. The artifact picks α = 2.0 / 1.5 / 1.15 / 1.0005 for means
 * 128 / 256 / 512 / 1024 with a cap of 6144 ({@link #paper(int)}).
 *
 * <p>One difference: the artifact scales by the <em>sample</em> mean of each batch; we scale by the distribution's
 * exact mean, so draws are independent and a workload's prefix does not change when more requests are drawn.
 *
 * <p>Immutable and thread-safe.
 */
public final class ZipfLengths implements LengthDistribution {

    /** The cap the paper's generated traces use. */
    public static final int PAPER_CAP = 6144;

    private final int targetMean;
    private final double alpha;
    private final int cap;
    private final double[] cdf; // cdf[k - 1] = P(rank <= k)
    private final double scale;
    private final double mean;

    private ZipfLengths(int targetMean, double alpha, int cap) {
        if (targetMean < 1) {
            throw new IllegalArgumentException("mean length must be at least 1, got " + targetMean);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("Zipf exponent must be positive and finite, got " + alpha);
        }
        if (cap < 1) {
            throw new IllegalArgumentException("length cap must be at least 1, got " + cap);
        }
        this.targetMean = targetMean;
        this.alpha = alpha;
        this.cap = cap;
        int ranks = Math.max(1, 2 * targetMean - 1);
        double[] weights = new double[ranks];
        double total = 0;
        double rankMean = 0;
        for (int k = 1; k <= ranks; k++) {
            weights[k - 1] = Math.pow(k, -alpha);
            total += weights[k - 1];
            rankMean += k * weights[k - 1];
        }
        rankMean /= total;
        this.cdf = new double[ranks];
        double acc = 0;
        for (int k = 0; k < ranks; k++) {
            acc += weights[k] / total;
            cdf[k] = acc;
        }
        cdf[ranks - 1] = 1.0;
        this.scale = targetMean / rankMean;
        double m = 0;
        for (int k = 1; k <= ranks; k++) {
            m += lengthOfRank(k) * (weights[k - 1] / total);
        }
        this.mean = m;
    }

    /** Zipf lengths over ranks {@code 1 .. 2·mean − 1} with exponent {@code alpha}, capped at {@code cap}. */
    public static ZipfLengths of(int mean, double alpha, int cap) {
        return new ZipfLengths(mean, alpha, cap);
    }

    /** The paper's distribution for {@code mean} 128, 256, 512 or 1024 (any other mean gets the artifact's α = 1.0). */
    public static ZipfLengths paper(int mean) {
        double alpha = switch (mean) {
            case 128 -> 2.0;
            case 256 -> 1.5;
            case 512 -> 1.15;
            case 1024 -> 1.0005;
            default -> 1.0;
        };
        return new ZipfLengths(mean, alpha, PAPER_CAP);
    }

    public int targetMean() {
        return targetMean;
    }

    public double alpha() {
        return alpha;
    }

    public int cap() {
        return cap;
    }

    @Override
    public int sample(RandomGenerator rng) {
        double u = rng.nextDouble();
        int i = Arrays.binarySearch(cdf, u);
        int index = i >= 0 ? i + 1 : -i - 1; // first cdf entry > u
        return lengthOfRank(Math.min(index, cdf.length - 1) + 1);
    }

    /** The exact mean after scaling, rounding up and capping: close to {@link #targetMean()}. */
    @Override
    public double mean() {
        return mean;
    }

    private int lengthOfRank(int rank) {
        return (int) Math.max(1, Math.min(cap, Math.ceil(rank * scale)));
    }

    @Override
    public String toString() {
        return "ZipfLengths[mean=" + targetMean + ", alpha=" + alpha + ", cap=" + cap + "]";
    }
}
