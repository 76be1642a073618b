package io.llumnix.sim.latency;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The simulator's model: computes nothing, only says how long a step would take under a {@link LatencyProfile}.
 * A simulated instance is the real engine step loop driving this executor under a virtual clock, which advances by
 * {@link StepOutput#elapsedNanos()}.
 *
 * <p>Cost of a step: chunks that decode (one token at a position past 0) count as decodes attending
 * {@link SequenceChunk#endPos()} tokens each; every other chunk's tokens count as prefill tokens; the profile's
 * {@link LatencyProfile#stepNanos} prices the mix. Attention over cached context during chunked prefill is not
 * priced separately (the profile's per-token prefill cost absorbs it).
 *
 * <p>Tokens: every chunk that wants logits gets the same small logits array (a fresh copy, so callers may mutate
 * it), {@code 0} everywhere except {@link #favouredToken()} at {@value #FAVOURED_LOGIT}, so greedy and sampled
 * decoding both pick that token (each other token has probability below 1e-13). It must not be the tokenizer's EOS; request
 * lengths come from {@code max_tokens} with {@code ignore_eos}, which is the step loop's job, not this class's. The
 * model shape is synthetic: a tiny vocabulary keeps logits cheap at a thousand instances, and the context window is
 * the profile's. There is no KV storage, so {@link #kvStorage()} is empty and migration moves only block ids (its
 * time is the profile's {@link LatencyProfile#migrationNanos}).
 *
 * <p>Not thread-safe (like every executor, one step loop owns it); it holds no mutable state besides counters.
 */
public final class LatencyModelExecutor implements ModelExecutor {

    /**
     * Vocabulary of the default synthetic shape: the engine's {@link SyntheticTokenizer} of this size decodes every
     * id, so a simulated instance pairs this executor with {@code new SyntheticTokenizer(DEFAULT_VOCAB_SIZE)}.
     */
    public static final int DEFAULT_VOCAB_SIZE = SyntheticTokenizer.MIN_VOCAB_SIZE + 1;

    /** Token the logits select by default: the first made-up word of the synthetic tokenizer, never BOS or EOS. */
    public static final int DEFAULT_FAVOURED_TOKEN = SyntheticTokenizer.MIN_VOCAB_SIZE;

    static final float FAVOURED_LOGIT = 30f;

    private final LatencyProfile profile;
    private final ModelShape shape;
    private final int favouredToken;
    private final float[] logits;
    private final LongConsumer advanceClock;
    private final boolean shareLogits;
    private long steps;
    private long modelledNanos;

    /** The profile's executor with the default synthetic shape and favoured token. */
    public LatencyModelExecutor(LatencyProfile profile) {
        this(profile, nanos -> { });
    }

    /**
     * The profile's executor with the default shape and favoured token that, inside every step, passes the step's
     * modelled duration to {@code advanceClock}: a simulated instance advances its virtual clock there, so the token
     * events the step loop emits after the step carry the step's end time.
     */
    public LatencyModelExecutor(LatencyProfile profile, LongConsumer advanceClock) {
        this(profile, syntheticShape(profile, DEFAULT_VOCAB_SIZE), DEFAULT_FAVOURED_TOKEN, advanceClock);
    }

    public LatencyModelExecutor(LatencyProfile profile, ModelShape shape, int favouredToken, LongConsumer advanceClock) {
        this(profile, shape, favouredToken, advanceClock, false);
    }

    /**
     * As above; with {@code shareLogits} every chunk gets the same read-only logits array instead of a fresh copy,
     * which saves an allocation per generated token. Only for callers that never modify logits: the engine's
     * sampler does not (greedy or not), which is how the simulator runs a thousand instances.
     */
    public LatencyModelExecutor(LatencyProfile profile, ModelShape shape, int favouredToken, LongConsumer advanceClock,
            boolean shareLogits) {
        this.shareLogits = shareLogits;
        this.profile = requireNonNull(profile, "profile is null");
        this.advanceClock = requireNonNull(advanceClock, "advanceClock is null");
        this.shape = requireNonNull(shape, "shape is null");
        if (favouredToken < 0 || favouredToken >= shape.vocabSize()) {
            throw new IllegalArgumentException("favoured token " + favouredToken + " is outside the vocabulary [0, " + shape.vocabSize() + ")");
        }
        this.favouredToken = favouredToken;
        this.logits = new float[shape.vocabSize()];
        this.logits[favouredToken] = FAVOURED_LOGIT;
    }

    /** A minimal Llama-shaped model with {@code vocabSize} tokens and the profile's context window. */
    public static ModelShape syntheticShape(LatencyProfile profile, int vocabSize) {
        return new ModelShape(8, 8, 1, 1, 1, vocabSize, profile.maxSeqLen());
    }

    public LatencyProfile profile() {
        return profile;
    }

    public int favouredToken() {
        return favouredToken;
    }

    /** Steps executed so far. */
    public long steps() {
        return steps;
    }

    /** Sum of modelled step times so far: the instance's busy time. */
    public long modelledNanos() {
        return modelledNanos;
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public Optional<KvCacheStorage> kvStorage() {
        return Optional.empty();
    }

    @Override
    public StepOutput execute(StepBatch batch) {
        int prefillTokens = 0;
        int decodes = 0;
        long decodeContext = 0;
        List<float[]> out = new ArrayList<>(batch.chunks().size());
        for (SequenceChunk c : batch.chunks()) {
            if (c.endPos() > shape.maxSeqLen()) {
                throw new IllegalArgumentException("sequence " + c.seqId() + " reaches position " + c.endPos()
                        + " beyond the context window " + shape.maxSeqLen());
            }
            if (c.tokens().length == 1 && c.startPos() > 0) {
                decodes++;
                decodeContext += c.endPos();
            } else {
                prefillTokens += c.tokens().length;
            }
            out.add(c.wantLogits() ? (shareLogits ? logits : logits.clone()) : StepOutput.NO_LOGITS);
        }
        long nanos = profile.stepNanos(prefillTokens, decodes, decodeContext);
        steps++;
        modelledNanos += nanos;
        advanceClock.accept(nanos);
        return new StepOutput(out, nanos);
    }

    @Override
    public void close() {
        // nothing to release
    }
}
