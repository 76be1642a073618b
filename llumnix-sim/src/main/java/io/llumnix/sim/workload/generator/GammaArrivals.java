package io.llumnix.sim.workload.generator;

import java.util.random.RandomGenerator;

/**
 * Bursty arrivals as in the paper's priority and auto-scaling experiments: Gamma-distributed gaps with shape
 * {@code 1 / cv²} and scale {@code cv² / rate}, so the mean gap is {@code 1 / rate} and its coefficient of variation
 * is {@code cv} (cv = 1 is Poisson; larger is burstier).
 *
 * @param ratePerSecond mean arrivals per second
 * @param cv coefficient of variation of the gaps, positive
 */
public record GammaArrivals(double ratePerSecond, double cv) implements ArrivalProcess {

    public GammaArrivals {
        ArrivalProcess.checkRate(ratePerSecond);
        if (!(cv > 0) || Double.isInfinite(cv)) {
            throw new IllegalArgumentException("coefficient of variation must be positive and finite, got " + cv);
        }
    }

    public double shape() {
        return 1.0 / (cv * cv);
    }

    @Override
    public double nextGapSeconds(RandomGenerator rng) {
        return sampleGamma(shape(), rng) * (cv * cv) / ratePerSecond;
    }

    /**
     * A Gamma(shape, 1) variate by Marsaglia and Tsang's method (2000); for shape below 1 it samples shape + 1 and
     * multiplies by {@code U^(1/shape)}.
     */
    static double sampleGamma(double shape, RandomGenerator rng) {
        if (shape < 1) {
            double u = 1.0 - rng.nextDouble(); // (0, 1]
            return sampleGamma(shape + 1, rng) * Math.pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1.0 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = rng.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }
}
