package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The real executor, each step stretched to at least a minimum time. A tiny model decodes in microseconds, so
 * a request would finish before even one migration round trip; a floor on the step time gives the migration a
 * window while every logit is still computed by the real model. Used for smoke runs, never for the figures.
 *
 * <p>Not thread-safe, like any executor: the engine's step thread calls it.
 */
final class MinStepTimeExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private final long minStepNanos;

    MinStepTimeExecutor(ModelExecutor delegate, Duration minStepTime) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.minStepNanos = minStepTime.toNanos();
    }

    @Override
    public ModelShape shape() {
        return delegate.shape();
    }

    @Override
    public Optional<KvCacheStorage> kvStorage() {
        return delegate.kvStorage();
    }

    @Override
    public StepOutput execute(StepBatch batch) {
        long t0 = System.nanoTime();
        StepOutput out = delegate.execute(batch);
        long left = minStepNanos - (System.nanoTime() - t0);
        if (left > 0) {
            LockSupport.parkNanos(left);
        }
        return out;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
