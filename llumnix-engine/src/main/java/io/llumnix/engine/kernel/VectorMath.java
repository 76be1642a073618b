package io.llumnix.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float, lane-wise, from nothing but IEEE additions, multiplications, fused multiply-adds and bit
 * moves (Cephes {@code expf}: Cody-Waite reduction by ln 2, a degree-6 polynomial, exponent assembly; about 1 ulp).
 * The Vector API's own {@code EXP} may round differently when compiled than when interpreted, which would break
 * the engine's determinism contract; this one is exact arithmetic in both, and {@link #exp(float)} repeats it
 * for scalar tails bit for bit.
 *
 * <p>Inputs are clamped to {@code [-87.3, 88]}, so the result is always a normal float (tiny or huge, never 0
 * or infinity).
 */
final class VectorMath {

    private static final float HI = 88.0f;
    private static final float LO = -87.3f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 × 2^23: adding and subtracting it rounds a float to the nearest integer. */
    private static final float ROUNDER = 12582912.0f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> sp = x.species();
        FloatVector v = x.max(LO).min(HI);
        FloatVector k = v.fma(LOG2E, ROUNDER).sub(ROUNDER);
        FloatVector r = k.fma(FloatVector.broadcast(sp, -LN2_HI), v);
        r = k.fma(FloatVector.broadcast(sp, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(sp, P2));
        p = p.fma(r, FloatVector.broadcast(sp, P3));
        p = p.fma(r, FloatVector.broadcast(sp, P4));
        p = p.fma(r, FloatVector.broadcast(sp, P5));
        FloatVector rr = r.mul(r);
        p = p.fma(rr, r).add(1.0f);
        IntVector bits = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** The same function as {@link #exp(FloatVector)}, one lane. */
    static float exp(float x) {
        float v = Math.min(Math.max(x, LO), HI);
        float k = Math.fma(v, LOG2E, ROUNDER) - ROUNDER;
        float r = Math.fma(k, -LN2_HI, v);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float rr = r * r;
        p = Math.fma(p, rr, r) + 1.0f;
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }
}
