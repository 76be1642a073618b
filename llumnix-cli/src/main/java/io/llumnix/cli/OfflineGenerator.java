package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.FinishReason;
import io.llumnix.core.LlumnixException;
import io.llumnix.core.SamplingParams;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Generates one completion through the engine and writes it the way llama2.c's {@code run.c} prints: the
 * prompt's tokens decoded (BOS contributes nothing and the first piece's leading space is dropped after it),
 * then each generated token as it arrives, then one {@code '\n'}. Bytes are written raw (so multi-byte UTF-8
 * characters spelled by byte tokens come out whole), except that single control bytes other than whitespace
 * are skipped, as run.c's {@code safe_printf} does.
 *
 * <p>Not thread-safe; one generation per call. Engine events are handed from the step thread to the
 * calling thread through a queue, so the engine is never blocked by a slow stdout.
 */
final class OfflineGenerator {

    /** What was generated: the prompt and output token ids, why it stopped, and the bytes written. */
    record Result(int[] promptTokens, int[] outputTokens, FinishReason finishReason, byte[] output) {}

    private final LlmEngine engine;

    OfflineGenerator(LlmEngine engine) {
        this.engine = requireNonNull(engine, "engine is null");
    }

    Result generate(String prompt, SamplingParams params, OutputStream out) throws InterruptedException {
        Tokenizer tokenizer = engine.tokenizer();
        int[] promptTokens = tokenizer.encode(prompt, true);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        Sink sink = new Sink(out, written);
        for (int i = 1; i < promptTokens.length; i++) {
            sink.piece(tokenizer.decodeBytes(promptTokens[i - 1], promptTokens[i]));
        }
        sink.flush();

        LinkedBlockingQueue<RequestEvent> events = new LinkedBlockingQueue<>();
        String requestId = "generate-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        engine.submit(new GenerateRequest(requestId, promptTokens, params, 0), events::add);
        int[] output = new int[Math.min(params.maxTokens(), 4096)];
        int count = 0;
        int previous = promptTokens[promptTokens.length - 1];
        while (true) {
            RequestEvent event = events.take();
            switch (event) {
                case RequestEvent.Token t -> {
                    if (count == output.length) {
                        output = Arrays.copyOf(output, output.length * 2);
                    }
                    output[count++] = t.tokenId();
                    sink.piece(tokenizer.decodeBytes(previous, t.tokenId()));
                    sink.flush();
                    previous = t.tokenId();
                }
                case RequestEvent.Finished f -> {
                    sink.raw((byte) '\n');
                    sink.flush();
                    return new Result(promptTokens, Arrays.copyOf(output, count), f.reason(), written.toByteArray());
                }
                case RequestEvent.Failed f -> throw new LlumnixException(f.code(), f.message());
                case RequestEvent.Migrated m -> throw new IllegalStateException("an offline request cannot migrate: " + m);
            }
        }
    }

    /** Writes pieces to the user's stream and keeps a copy. */
    private record Sink(OutputStream out, ByteArrayOutputStream copy) {

        void piece(byte[] bytes) {
            // run.c's safe_printf: a lone unprintable byte (a raw control byte token) is not printed.
            if (bytes.length == 1) {
                int b = bytes[0] & 0xff;
                boolean printable = b >= 0x20 && b != 0x7f || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r' || b >= 0x80;
                if (!printable) {
                    return;
                }
            }
            write(bytes);
        }

        void raw(byte b) {
            write(new byte[] {b});
        }

        private void write(byte[] bytes) {
            try {
                out.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            copy.writeBytes(bytes);
        }

        void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
