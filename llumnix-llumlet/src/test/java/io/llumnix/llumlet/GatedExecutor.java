package io.llumnix.llumlet;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An executor whose steps can be held at a gate, to play an engine that stops stepping while it has work. */
final class GatedExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private volatile CountDownLatch gate = new CountDownLatch(0);

    GatedExecutor(ModelExecutor delegate) {
        this.delegate = delegate;
    }

    /** Steps from now on block until {@link #release()}. */
    void hold() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
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
        try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate held for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the gate", e);
        }
        return delegate.execute(batch);
    }

    @Override
    public void close() {
        release();
        delegate.close();
    }
}
