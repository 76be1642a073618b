package io.llumnix.engine.sched;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a request's generated token bytes into text, one token at a time, and finds stop strings.
 *
 * <p>Two things are held back: bytes of an incomplete UTF-8 character (one character may span several
 * byte-fallback tokens), and the last {@code longestStop - 1} characters, which might be the start of a stop
 * string. A stop string is never emitted; text after it is dropped. {@link #finish()} releases what is held.
 *
 * <p>Not thread-safe; owned by one request.
 */
final class TextAssembler {

    private final List<String> stops;
    private final int holdBack;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pendingBytes = ByteBuffer.allocate(16);
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    TextAssembler(List<String> stops) {
        this.stops = List.copyOf(stops);
        int longest = 0;
        for (String s : stops) {
            longest = Math.max(longest, s.length());
        }
        this.holdBack = Math.max(0, longest - 1);
    }

    /** Result of adding one token: the text it releases, and whether a stop string ended the output. */
    record Step(String text, boolean stopped) {}

    Step add(byte[] bytes) {
        if (stopped) {
            return new Step("", true);
        }
        if (pendingBytes.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pendingBytes.capacity() * 2 + bytes.length);
            pendingBytes.flip();
            bigger.put(pendingBytes);
            pendingBytes = bigger;
        }
        pendingBytes.put(bytes);
        pendingBytes.flip();
        CharBuffer out = CharBuffer.allocate(pendingBytes.remaining() + 2);
        decoder.decode(pendingBytes, out, false);
        pendingBytes.compact();
        out.flip();
        held.append(out);
        return release();
    }

    /** Releases everything still held (incomplete characters become U+FFFD). */
    String finish() {
        if (stopped) {
            return "";
        }
        pendingBytes.flip();
        CharBuffer out = CharBuffer.allocate(pendingBytes.remaining() * 2 + 2);
        decoder.decode(pendingBytes, out, true);
        decoder.flush(out);
        pendingBytes.clear();
        out.flip();
        held.append(out);
        Step s = release();
        String rest = s.stopped() ? "" : held.toString();
        held.setLength(0);
        stopped = true;
        return s.text() + rest;
    }

    private Step release() {
        if (!stops.isEmpty()) {
            int at = -1;
            for (String s : stops) {
                int i = held.indexOf(s);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                }
            }
            if (at >= 0) {
                String text = held.substring(0, at);
                held.setLength(0);
                stopped = true;
                return new Step(text, true);
            }
        }
        int emit = held.length() - holdBack;
        if (emit <= 0) {
            return new Step("", false);
        }
        // Never split a surrogate pair across two events.
        if (Character.isHighSurrogate(held.charAt(emit - 1))) {
            emit--;
        }
        String text = held.substring(0, emit);
        held.delete(0, emit);
        return new Step(text, false);
    }
}
