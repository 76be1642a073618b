package io.llumnix.gateway;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a server-sent-event byte stream into frames (each ending with a blank line), whatever the chunk
 * boundaries. Not thread-safe; one per upstream answer.
 */
final class SseFrames {

    /** One frame: its {@code event:} name (empty for the default) and its {@code data:} lines joined by newlines. */
    record Frame(String event, String data, Buffer raw) {}

    private Buffer pending = Buffer.buffer();

    /** Frames completed by {@code chunk}. */
    List<Frame> push(Buffer chunk) {
        Buffer buf = pending.length() == 0 ? chunk : pending.appendBuffer(chunk);
        List<Frame> out = new ArrayList<>(2);
        int start = 0;
        for (int i = 0; i + 1 < buf.length(); i++) {
            if (buf.getByte(i) == '\n' && buf.getByte(i + 1) == '\n') {
                out.add(parse(buf.getBuffer(start, i + 2)));
                start = i + 2;
                i++;
            }
        }
        pending = start == buf.length() ? Buffer.buffer() : buf.getBuffer(start, buf.length());
        return out;
    }

    /** Bytes received after the last complete frame. */
    int pendingBytes() {
        return pending.length();
    }

    private static Frame parse(Buffer raw) {
        String event = "";
        StringBuilder data = null;
        for (String line : raw.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("event:")) {
                event = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                String d = line.substring(5);
                if (d.startsWith(" ")) {
                    d = d.substring(1);
                }
                if (data == null) {
                    data = new StringBuilder(d);
                } else {
                    data.append('\n').append(d);
                }
            }
        }
        return new Frame(event, data == null ? "" : data.toString(), raw);
    }
}
