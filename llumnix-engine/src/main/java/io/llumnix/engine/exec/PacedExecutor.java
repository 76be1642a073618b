package io.llumnix.engine.exec;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Another executor, paced to at least {@code minStepNanos} per step: emulates a slower device
 * ({@code --min-step-ms}). The tiny stories260K model steps in well under a millisecond, so a request can
 * finish before a migration's round trips do and a live view shows nothing; pacing gives realistic time
 * windows while every logit is still computed by the real model.
 *
 * <p>Not thread-safe, like every executor.
 */
public final class PacedExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private final long minStepNanos;

    public PacedExecutor(ModelExecutor delegate, long minStepNanos) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        if (minStepNanos < 0) {
            throw new IllegalArgumentException("minStepNanos must be >= 0, got " + minStepNanos);
        }
        this.minStepNanos = minStepNanos;
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
        // parkNanos may return early (spuriously): park again until the step's time is up, unless interrupted.
        long left = minStepNanos - (System.nanoTime() - t0);
        while (left > 0 && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(left);
            left = minStepNanos - (System.nanoTime() - t0);
        }
        return new StepOutput(out.logits(), Math.max(out.elapsedNanos(), minStepNanos));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
