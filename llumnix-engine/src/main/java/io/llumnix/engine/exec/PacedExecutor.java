package io.llumnix.llumlet;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The real executor, paced to at least {@code minStepNanos} per step. stories260K steps in well under a
 * millisecond, so a request can finish before a migration's round trips do; pacing gives migrations a
 * realistic window while every logit is still computed by the real model.
 */
final class PacedExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private final long minStepNanos;

    PacedExecutor(ModelExecutor delegate, long minStepNanos) {
        this.delegate = delegate;
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
