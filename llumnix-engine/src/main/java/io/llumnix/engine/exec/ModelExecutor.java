package io.llumnix.engine.exec;

import java.util.Optional;

/**
 * Runs one batched engine step. The step loop decides <em>what</em> to compute (which tokens of which
 * sequences, into which KV blocks); an executor only computes it. {@code TransformerExecutor} computes real
 * logits on the CPU; the simulator's latency-model executor only advances virtual time, which is how the
 * simulator runs the very same step loop that serves traffic.
 *
 * <p>Determinism contract: for every chunk, the KV written and the logits returned must be bit-identical no
 * matter which other chunks share the step, how a prompt was split into chunks, or how work is split across
 * threads. Batch invariance, preemption by recompute and live migration all rely on it.
 *
 * <p>Not thread-safe: the step loop calls it from one thread.
 */
public interface ModelExecutor extends AutoCloseable {

    /** The shape of the model this executor runs. */
    ModelShape shape();

    /** The KV storage this executor reads and writes, when it has real storage (the latency model has none). */
    Optional<KvCacheStorage> kvStorage();

    /**
     * Computes one step: for each chunk, runs its tokens at positions {@code startPos ..} writing their K/V
     * into the chunk's blocks, and returns logits of each chunk's last token where asked.
     */
    StepOutput execute(StepBatch batch);

    @Override
    void close();
}
