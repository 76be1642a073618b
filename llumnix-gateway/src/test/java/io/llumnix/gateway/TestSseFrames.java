package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TestSseFrames {

    private static final String STREAM = "data: {\"a\":1}\n\n"
            + "event: migrated\ndata: {\"next_index\":3}\n\n"
            + "data: [DONE]\n\n";

    @Test
    void frames_areTheSame_whateverTheChunkBoundaries() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            SseFrames frames = new SseFrames();
            List<SseFrames.Frame> out = new ArrayList<>();
            byte[] bytes = STREAM.getBytes();
            int at = 0;
            while (at < bytes.length) {
                int n = rnd.nextInt(1, 12);
                int end = Math.min(bytes.length, at + n);
                out.addAll(frames.push(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, at, end))));
                at = end;
            }
            assertThat(out).extracting(SseFrames.Frame::event).containsExactly("", "migrated", "");
            assertThat(out).extracting(SseFrames.Frame::data).containsExactly("{\"a\":1}", "{\"next_index\":3}", "[DONE]");
            assertThat(frames.pendingBytes()).isZero();
        }
    }
}
