package io.llumnix.sim.latency;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fits a {@link LatencyProfile}'s step-cost coefficients to measured steps by least squares, so that
 * {@code llumnix profile} can calibrate the simulator to a real engine:
 *
 * <ul>
 *   <li>prefill {@code ms = max(floor, perToken · tokens)}: for every split of the samples (sorted by tokens) into a
 *       floor region and a proportional region, the floor is the mean of the first and the slope the least-squares
 *       line through the origin of the second; the split with the least squared error of the whole model wins.
 *   <li>decode {@code ms = c0 + c1 · batch + c2 · context}: ordinary least squares, solved on column-scaled normal
 *       equations with partial pivoting. Batch size and context must vary independently in the samples.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class LatencyFitter {

    /**
     * The fitted prefill model.
     *
     * @param msPerToken slope of the proportional region
     * @param floorMs least step time (0 when no sample lies in a floor region)
     * @param rmseMs root-mean-square error of the fit on its samples
     */
    public record PrefillFit(double msPerToken, double floorMs, double rmseMs) {}

    /**
     * The fitted decode model.
     *
     * @param baseMs c0
     * @param msPerSequence c1
     * @param msPerContextToken c2
     * @param rmseMs root-mean-square error of the fit on its samples
     * @param rSquared coefficient of determination (1 is a perfect fit)
     */
    public record DecodeFit(double baseMs, double msPerSequence, double msPerContextToken, double rmseMs, double rSquared) {}

    /** Both fits together. */
    public record Fit(PrefillFit prefill, DecodeFit decode) {

        public Fit {
            requireNonNull(prefill, "prefill is null");
            requireNonNull(decode, "decode is null");
        }

        /**
         * A profile with these step costs and {@code template}'s KV geometry and limits. Negative coefficients (noise
         * on a near-zero term) are clamped to 0, since a profile's costs cannot be negative.
         */
        public LatencyProfile toProfile(LatencyProfile template, String name, String description) {
            return new LatencyProfile(name, description,
                    Math.max(0, prefill.msPerToken()), Math.max(0, prefill.floorMs()),
                    Math.max(0, decode.baseMs()), Math.max(0, decode.msPerSequence()), Math.max(0, decode.msPerContextToken()),
                    template.blockTokens(), template.blockBytes(), template.blocksPerInstance(), template.maxBatchedTokens(),
                    template.maxNumSeqs(), template.maxSeqLen(), template.migrationBandwidthBytesPerSecond());
        }
    }

    private LatencyFitter() {}

    /** Fits prefill and decode models. */
    public static Fit fit(List<PrefillSample> prefill, List<DecodeSample> decode) {
        return new Fit(fitPrefill(prefill), fitDecode(decode));
    }

    /** Fits {@code ms = max(floor, perToken · tokens)}; needs at least one sample. */
    public static PrefillFit fitPrefill(List<PrefillSample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no prefill samples to fit");
        }
        List<PrefillSample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingInt(PrefillSample::tokens));
        int n = sorted.size();
        // suffix sums for the proportional region's slope
        double[] sumTy = new double[n + 1];
        double[] sumTt = new double[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            double t = sorted.get(i).tokens();
            sumTy[i] = sumTy[i + 1] + t * sorted.get(i).ms();
            sumTt[i] = sumTt[i + 1] + t * t;
        }
        double bestSse = Double.POSITIVE_INFINITY;
        double bestSlope = 0;
        double bestFloor = 0;
        double prefixSum = 0;
        for (int k = 0; k < n; k++) { // samples [0, k) in the floor region, [k, n) proportional
            if (k > 0) {
                prefixSum += sorted.get(k - 1).ms();
                if (sorted.get(k).tokens() == sorted.get(k - 1).tokens()) {
                    continue; // equal token counts belong to the same region
                }
            }
            double floor = k == 0 ? 0 : prefixSum / k;
            double slope = sumTy[k] / sumTt[k];
            double sse = 0;
            for (PrefillSample s : sorted) {
                double e = s.ms() - Math.max(floor, slope * s.tokens());
                sse += e * e;
            }
            if (sse < bestSse) {
                bestSse = sse;
                bestSlope = slope;
                bestFloor = floor;
            }
        }
        return new PrefillFit(bestSlope, bestFloor, Math.sqrt(bestSse / n));
    }

    /** Fits {@code ms = c0 + c1 · batch + c2 · context} by ordinary least squares; needs three independent samples. */
    public static DecodeFit fitDecode(List<DecodeSample> samples) {
        if (samples.size() < 3) {
            throw new IllegalArgumentException("need at least 3 decode samples to fit 3 coefficients, got " + samples.size());
        }
        // Scale columns to comparable magnitudes: context sums run to 1e5 while the intercept column is 1.
        double batchScale = 0;
        double contextScale = 0;
        for (DecodeSample s : samples) {
            batchScale = Math.max(batchScale, s.batchSize());
            contextScale = Math.max(contextScale, s.contextTokens());
        }
        if (contextScale == 0) {
            throw new IllegalArgumentException("decode samples must vary batch size and context independently; all have 0 context");
        }
        double[][] a = new double[3][4]; // normal equations [XᵀX | Xᵀy]
        for (DecodeSample s : samples) {
            double[] x = {1, s.batchSize() / batchScale, s.contextTokens() / contextScale};
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    a[i][j] += x[i] * x[j];
                }
                a[i][3] += x[i] * s.ms();
            }
        }
        double[] beta = solve3(a);
        double c0 = beta[0];
        double c1 = beta[1] / batchScale;
        double c2 = beta[2] / contextScale;
        double mean = samples.stream().mapToDouble(DecodeSample::ms).average().orElseThrow();
        double sse = 0;
        double sst = 0;
        for (DecodeSample s : samples) {
            double e = s.ms() - (c0 + c1 * s.batchSize() + c2 * s.contextTokens());
            sse += e * e;
            sst += (s.ms() - mean) * (s.ms() - mean);
        }
        double r2 = sst == 0 ? (sse == 0 ? 1 : 0) : 1 - sse / sst;
        return new DecodeFit(c0, c1, c2, Math.sqrt(sse / samples.size()), r2);
    }

    /** Gaussian elimination with partial pivoting on a 3×4 augmented matrix (modified in place). */
    private static double[] solve3(double[][] a) {
        double scale = 0;
        for (double[] row : a) {
            for (int j = 0; j < 3; j++) {
                scale = Math.max(scale, Math.abs(row[j]));
            }
        }
        for (int col = 0; col < 3; col++) {
            int pivot = col;
            for (int r = col + 1; r < 3; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot][col]) <= 1e-10 * scale) {
                throw new IllegalArgumentException("decode samples must vary batch size and context independently "
                        + "(they are collinear, so c0, c1 and c2 cannot be told apart)");
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = col + 1; r < 3; r++) {
                double f = a[r][col] / a[col][col];
                for (int c = col; c < 4; c++) {
                    a[r][c] -= f * a[col][c];
                }
            }
        }
        double[] x = new double[3];
        for (int r = 2; r >= 0; r--) {
            double v = a[r][3];
            for (int c = r + 1; c < 3; c++) {
                v -= a[r][c] * x[c];
            }
            x[r] = v / a[r][r];
        }
        return x;
    }

    static void checkMs(double ms) {
        if (!(ms >= 0) || Double.isInfinite(ms)) {
            throw new IllegalArgumentException("a measured time must be a non-negative number of milliseconds, got " + ms);
        }
    }
}
