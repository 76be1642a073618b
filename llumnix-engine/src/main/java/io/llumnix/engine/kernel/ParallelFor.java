package io.llumnix.engine.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a loop over {@code [0, n)} on all cores: the range is cut into chunks that the calling thread and up to
 * {@code cores - 1} helper threads claim one at a time, so an uneven chunk never leaves a core idle and the
 * caller never just waits. Helpers live in one JVM-wide daemon {@link ForkJoinPool} shared by every executor.
 *
 * <p>Results must not depend on the split: bodies compute each index independently (the kernels' determinism
 * contract). A loop too small to pay for a hand-off runs inline.
 *
 * <p>Thread-safe; bodies run concurrently on disjoint sub-ranges and their writes are visible to the caller
 * when {@link #run} returns. An exception from any chunk is rethrown to the caller after all chunks stop.
 */
public final class ParallelFor {

    /** A loop body over a half-open index range. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final int CHUNKS_PER_THREAD = 8;

    private ParallelFor() {}

    /** Threads a loop can use (the caller included). */
    public static int parallelism() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code minChunk} indices (the grain below which
     * a hand-off costs more than it saves).
     */
    public static void run(int n, int minChunk, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int maxChunks = (n + Math.max(1, minChunk) - 1) / Math.max(1, minChunk);
        int chunks = Math.min(maxChunks, THREADS * CHUNKS_PER_THREAD);
        if (chunks <= 1 || THREADS == 1) {
            body.run(0, n);
            return;
        }
        int chunkSize = (n + chunks - 1) / chunks;
        int numChunks = (n + chunkSize - 1) / chunkSize;
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable drain = () -> {
            try {
                for (int c = next.getAndIncrement(); c < numChunks; c = next.getAndIncrement()) {
                    body.run(c * chunkSize, Math.min(n, (c + 1) * chunkSize));
                }
            } catch (Throwable t) {
                next.set(numChunks); // stop everyone claiming more
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            }
        };
        int helpers = Math.min(THREADS - 1, numChunks - 1);
        Helper[] started = new Helper[helpers];
        for (int h = 0; h < helpers; h++) {
            Helper helper = new Helper(drain);
            helper.task = Pool.POOL.submit(helper);
            started[h] = helper;
        }
        drain.run();
        for (Helper helper : started) {
            helper.awaitOrAbandon();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * A helper's claim on running the shared drain loop. The caller abandons helpers that have not started by the
     * time it has drained the range itself (their wake-up would only delay it) and waits for those that have.
     */
    private static final class Helper implements Runnable {
        private static final int NEW = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;

        private final Runnable drain;
        private final AtomicInteger state = new AtomicInteger(NEW);
        private ForkJoinTask<?> task;

        Helper(Runnable drain) {
            this.drain = drain;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(NEW, RUNNING)) {
                return; // abandoned: the caller finished without us
            }
            try {
                drain.run();
            } finally {
                state.set(DONE);
            }
        }

        void awaitOrAbandon() {
            if (state.compareAndSet(NEW, DONE)) {
                return;
            }
            if (state.get() != DONE) {
                task.join(); // drain catches everything, so this only waits
            }
        }
    }

    private static final class Pool {
        private static final AtomicInteger THREAD_IDS = new AtomicInteger();

        static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS - 1), pool -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("llumnix-kernel-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, null, false);

        private Pool() {}
    }
}
