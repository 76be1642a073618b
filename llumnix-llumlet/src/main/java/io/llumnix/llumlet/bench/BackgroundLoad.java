package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.SamplingParams;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The source's <em>other</em> requests: a fixed number of decoding requests that keep the batch busy for the
 * whole benchmark (each one is replaced by a fresh one when it finishes) and record the time between their
 * consecutive tokens, i.e. the step time they experience. {@link #window} answers "how long were their steps
 * between these two instants", so the benchmark can compare a migration window with a window without one.
 *
 * <p>Thread-safe: tokens arrive on the engine's step thread; windows are read from the benchmark thread.
 */
final class BackgroundLoad implements AutoCloseable {

    /** Sum and count of token intervals whose later token fell inside a window. */
    record Window(long sumNanos, long count) {
        static final Window EMPTY = new Window(0, 0);

        Window plus(Window o) {
            return new Window(sumNanos + o.sumNanos, count + o.count);
        }

        double meanNanos() {
            return count == 0 ? Double.NaN : (double) sumNanos / count;
        }
    }

    private final LlmEngine engine;
    private final int promptLength;
    private final int maxTokens;
    private final int vocabSize;
    private final SplittableRandom random;
    private final CountDownLatch finished;
    private final Object lock = new Object();
    private long[] ends = new long[1 << 14];
    private long[] intervals = new long[1 << 14];
    private int size;
    private int serial;
    private volatile boolean stopping;

    private BackgroundLoad(LlmEngine engine, int count, int promptLength, int maxTokens, long seed) {
        this.engine = requireNonNull(engine, "engine is null");
        this.promptLength = promptLength;
        this.maxTokens = maxTokens;
        this.vocabSize = engine.shape().vocabSize();
        this.random = new SplittableRandom(seed);
        this.finished = new CountDownLatch(count);
    }

    /** Starts {@code count} decoding requests of {@code promptLength}-token prompts and {@code maxTokens} outputs each. */
    static BackgroundLoad start(LlmEngine engine, int count, int promptLength, int maxTokens, long seed) {
        BackgroundLoad load = new BackgroundLoad(engine, count, promptLength, maxTokens, seed);
        for (int i = 0; i < count; i++) {
            load.submitNext();
        }
        return load;
    }

    private void submitNext() {
        int[] prompt;
        String id;
        long seed;
        synchronized (lock) {
            prompt = MigrationBenchmark.randomPrompt(random, promptLength, vocabSize);
            id = "other-" + serial++;
            seed = random.nextLong();
        }
        SamplingParams params = new SamplingParams(0.8, 0.95, 40, OptionalLong.of(seed), maxTokens, List.of(), true);
        engine.submit(new GenerateRequest(id, prompt, params, 0), new Recorder());
    }

    /** One background request's listener: records its token intervals and replaces it when it ends. */
    private final class Recorder implements io.llumnix.engine.RequestListener {
        private long previous = -1;

        @Override
        public void onEvent(RequestEvent event) {
            switch (event) {
                case RequestEvent.Token t -> {
                    if (previous >= 0) {
                        record(t.nanoTime(), t.nanoTime() - previous);
                    }
                    previous = t.nanoTime();
                }
                case RequestEvent.Finished f -> ended();
                case RequestEvent.Failed f -> ended();
                case RequestEvent.Migrated m -> ended();
            }
        }

        private void ended() {
            if (stopping) {
                finished.countDown();
            } else {
                submitNext();
            }
        }
    }

    private void record(long end, long interval) {
        synchronized (lock) {
            if (size == ends.length) {
                ends = Arrays.copyOf(ends, size * 2);
                intervals = Arrays.copyOf(intervals, size * 2);
            }
            ends[size] = end;
            intervals[size] = interval;
            size++;
        }
    }

    /** The intervals between consecutive tokens of one background request whose later token came in {@code [from, to)}. */
    Window window(long from, long to) {
        long sum = 0;
        long count = 0;
        synchronized (lock) {
            for (int i = size - 1; i >= 0 && ends[i] >= from; i--) {
                if (ends[i] < to) {
                    sum += intervals[i];
                    count++;
                }
            }
        }
        return new Window(sum, count);
    }

    /** Ends every background request and waits until they are gone. */
    @Override
    public void close() {
        // On the step thread, where requests end and get replaced: no replacement can slip past the aborts.
        engine.onStepThread(core -> {
            stopping = true;
            int n;
            synchronized (lock) {
                n = serial;
            }
            for (int i = 0; i < n; i++) {
                core.abort("other-" + i);
            }
            return null;
        });
        try {
            if (!finished.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("background requests did not end within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
