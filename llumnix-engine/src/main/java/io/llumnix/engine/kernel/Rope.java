package io.llumnix.engine.kernel;

/**
 * Rotary position embedding exactly as llama2.c's {@code run.c}: within each head, the adjacent pair
 * {@code (v[2i], v[2i+1])} is rotated by {@code pos · 10000^(-2i/headSize)}. The angles are computed, never read
 * from a checkpoint's legacy {@code freq_cis} tables, and depend only on the position, so a token gets the same
 * rotation in any batch.
 *
 * <p>Stateless; thread-safe.
 */
public final class Rope {

    private static final float BASE = 10000.0f;

    private Rope() {}

    /** Fills {@code cos[off ..]} and {@code sin[off ..]} ({@code headSize / 2} each) for position {@code pos}. */
    public static void angles(int pos, int headSize, float[] cos, float[] sin, int off) {
        for (int i = 0; i < headSize; i += 2) {
            float freq = 1.0f / (float) Math.pow(BASE, i / (float) headSize);
            float val = pos * freq;
            cos[off + i / 2] = (float) Math.cos(val);
            sin[off + i / 2] = (float) Math.sin(val);
        }
    }

    /**
     * Rotates {@code v[off .. off + len)}, a whole number of heads of {@code headSize}, with angles from
     * {@link #angles} at {@code cos/sin[angleOff ..]}.
     */
    public static void rotate(float[] v, int off, int len, int headSize, float[] cos, float[] sin, int angleOff) {
        for (int h = 0; h < len; h += headSize) {
            for (int i = 0; i < headSize; i += 2) {
                float fcr = cos[angleOff + i / 2];
                float fci = sin[angleOff + i / 2];
                int at = off + h + i;
                float v0 = v[at];
                float v1 = v[at + 1];
                v[at] = v0 * fcr - v1 * fci;
                v[at + 1] = v0 * fci + v1 * fcr;
            }
        }
    }
}
