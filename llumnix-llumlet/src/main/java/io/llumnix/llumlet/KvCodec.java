package io.llumnix.llumlet;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Fused KV floats to little-endian protobuf bytes and back, with one copy each way. */
final class KvCodec {

    private KvCodec() {}

    static ByteString encode(float[] floats, int count) {
        byte[] bytes = new byte[count * Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(floats, 0, count);
        // The array is never touched again, so wrapping without a copy is safe.
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Decodes into {@code dst}; returns the number of floats. */
    static int decode(ByteString data, float[] dst) {
        FloatBuffer fb = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int n = fb.remaining();
        if (n > dst.length) {
            throw new IllegalArgumentException("stage data of " + n + " floats exceeds the expected " + dst.length);
        }
        fb.get(dst, 0, n);
        return n;
    }
}
