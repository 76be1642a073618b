package io.llumnix.engine.sched;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.FinishReason;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.GenerateRequest;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import io.llumnix.engine.kv.KvBlockManager;
import io.llumnix.engine.kv.PrefixHash;
import io.llumnix.engine.sampling.Sampler;
import io.llumnix.engine.sampling.SamplingRng;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * The continuous-batching step loop of one engine instance (vLLM-style), as plain logic over a
 * {@link ModelExecutor} and a {@link Clock}: the server drives it from a thread on the wall clock, the
 * simulator drives the very same code with a latency-model executor on virtual time.
 *
 * <p>Each {@link #step()} spends a token budget ({@code maxNumBatchedTokens}): first on running sequences in
 * priority order (one token per decode, a chunk of the prompt per prefill), allocating KV blocks as they grow
 * and preempting by recompute when blocks run out (victim: lowest priority, then latest arrival); then, if
 * nothing was preempted, on admitting waiting requests in priority-then-arrival order, reusing cached prefix
 * blocks. Admission stops at the first request that does not fit (head-of-line), so arrival order is kept.
 *
 * <p>Not thread-safe: one owner thread calls everything.
 */
public final class EngineCore {

    private static final Comparator<Sequence> PRIORITY_ORDER = Comparator
            .comparingInt((Sequence s) -> -s.priority)
            .thenComparingLong(s -> s.arrivalNanos)
            .thenComparingLong(s -> s.seqId);

    private final EngineConfig config;
    private final ModelExecutor executor;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private final KvBlockManager blocks;
    private final TreeSet<Sequence> waiting = new TreeSet<>(PRIORITY_ORDER);
    private final List<Sequence> running = new ArrayList<>();
    private final Map<String, Sequence> live = new HashMap<>();
    private long nextSeqId;
    private long stepId;
    private long lastStepNanos;
    private int lastStepTokens;
    private long prefixQueryTokens;
    private long prefixHitTokens;
    private long numPreemptions;
    private long promptTokensTotal;
    private long generationTokensTotal;
    private long requestsFinished;

    public EngineCore(EngineConfig config, ModelExecutor executor, Tokenizer tokenizer, Clock clock) {
        this.config = requireNonNull(config, "config is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.tokenizer = requireNonNull(tokenizer, "tokenizer is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (config.maxModelLen() > executor.shape().maxSeqLen()) {
            throw new IllegalArgumentException("--max-model-len " + config.maxModelLen() + " exceeds the model's context window "
                    + executor.shape().maxSeqLen());
        }
        executor.kvStorage().ifPresent(kv -> {
            if (kv.numBlocks() != config.numKvBlocks() || kv.blockSize() != config.blockSize()) {
                throw new IllegalArgumentException("executor KV storage (" + kv.numBlocks() + " blocks of " + kv.blockSize()
                        + ") does not match the engine config (" + config.numKvBlocks() + " of " + config.blockSize() + ")");
            }
        });
        this.blocks = new KvBlockManager(config.numKvBlocks(), config.blockSize(), config.enablePrefixCaching());
    }

    /**
     * Checks a request against the model and the context window; throws {@link LlumnixException} naming
     * the offending parameter. Safe to call from any thread (reads only immutable state).
     */
    public static void validate(GenerateRequest request, int vocabSize, int maxModelLen) {
        int n = request.promptLength();
        if (n == 0) {
            throw LlumnixException.invalid("prompt", "the prompt is empty");
        }
        int[] prompt = request.promptTokens();
        for (int t : prompt) {
            if (t < 0 || t >= vocabSize) {
                throw LlumnixException.invalid("prompt", "token id " + t + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        long total = (long) n + request.params().maxTokens();
        if (n >= maxModelLen) {
            throw new LlumnixException(ErrorCode.CONTEXT_LENGTH_EXCEEDED, "This model's maximum context length is " + maxModelLen
                    + " tokens. However, your prompt has " + n + " tokens, leaving no room for output.", "prompt");
        }
        if (total > maxModelLen) {
            throw new LlumnixException(ErrorCode.CONTEXT_LENGTH_EXCEEDED, "This model's maximum context length is " + maxModelLen
                    + " tokens. However, you requested " + total + " tokens (" + n + " in the prompt, " + request.params().maxTokens()
                    + " for the completion). Please reduce the prompt or max_tokens.", "max_tokens");
        }
    }

    /** Queues a request; validation as {@link #validate}, plus a duplicate-id check. */
    public void add(GenerateRequest request, RequestListener listener) {
        validate(request, executor.shape().vocabSize(), config.maxModelLen());
        if (live.containsKey(request.requestId())) {
            throw LlumnixException.invalid("request_id", "a request with id " + request.requestId() + " is already running");
        }
        long seqId = nextSeqId++;
        SamplingRng rng = SamplingRng.seeded(request.params().seed().orElse(SamplingRng.splitMix(config.seed() ^ seqId)));
        Sequence seq = new Sequence(request.requestId(), seqId, request.promptTokens(), request.params(), request.priority(),
                clock.nanoTime(), listener, rng);
        live.put(seq.requestId, seq);
        waiting.add(seq);
    }

    /** Aborts a live request (its listener gets {@code Finished(ABORT)}); false when the id is unknown. */
    public boolean abort(String requestId) {
        Sequence seq = live.get(requestId);
        if (seq == null) {
            return false;
        }
        finish(seq, FinishReason.ABORT, "");
        return true;
    }

    /** Fails every live request (e.g. the executor broke) and frees their blocks. */
    public void failAll(ErrorCode code, String message) {
        for (Sequence seq : new ArrayList<>(live.values())) {
            remove(seq);
            seq.listener.onEvent(new RequestEvent.Failed(seq.requestId, code, message));
        }
    }

    public boolean hasWork() {
        return !live.isEmpty();
    }

    public int numLive() {
        return live.size();
    }

    public KvBlockManager blockManager() {
        return blocks;
    }

    public EngineConfig config() {
        return config;
    }

    public ModelExecutor executor() {
        return executor;
    }

    /** Runs one step; returns the number of tokens computed (0 when nothing could run). */
    public int step() {
        long t0 = clock.nanoTime();
        List<Sequence> scheduled = new ArrayList<>();
        List<SequenceChunk> chunks = new ArrayList<>();
        int budget = config.maxNumBatchedTokens();
        boolean preempted = false;

        running.sort(PRIORITY_ORDER);
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence seq = running.get(i);
            int n = Math.min(seq.numUncomputed(), budget);
            if (n <= 0) {
                continue;
            }
            int needed = blocks.blocksFor(seq.numComputed + n) - seq.numBlocks();
            boolean selfPreempted = false;
            while (blocks.numFreeBlocks() < needed) {
                Sequence victim = running.getLast();
                preempt(victim);
                preempted = true;
                if (victim == seq) {
                    selfPreempted = true;
                    break;
                }
            }
            if (selfPreempted) {
                break;
            }
            allocate(seq, needed);
            chunks.add(chunkOf(seq, n));
            scheduled.add(seq);
            budget -= n;
        }

        if (!preempted) {
            while (budget > 0 && !waiting.isEmpty() && running.size() < config.maxNumSeqs()) {
                Sequence seq = waiting.first();
                int[] hits = seq.numComputed == 0 ? blocks.matchPrefix(seq.tokensArray(), seq.numTokens()) : new int[0];
                int hitTokens = hits.length * config.blockSize();
                int n = Math.min(seq.numTokens() - hitTokens, budget);
                int needed = blocks.blocksFor(hitTokens + n) - hits.length;
                if (blocks.numFreeBlocks() - blocks.countCachedFree(hits) < needed) {
                    break;
                }
                waiting.pollFirst();
                prefixQueryTokens += seq.numTokens();
                prefixHitTokens += hitTokens;
                for (int b : hits) {
                    blocks.acquire(b);
                    seq.addBlock(b);
                }
                seq.numComputed = hitTokens;
                seq.numHashedBlocks = hits.length;
                if (hits.length > 0) {
                    seq.lastHash = PrefixHash.chain(seq.tokensArray(), hitTokens, config.blockSize())[hits.length - 1];
                }
                allocate(seq, needed);
                seq.running = true;
                running.add(seq);
                chunks.add(chunkOf(seq, n));
                scheduled.add(seq);
                budget -= n;
            }
        }

        if (chunks.isEmpty()) {
            lastStepTokens = 0;
            return 0;
        }
        StepOutput out = executor.execute(new StepBatch(chunks));
        stepId++;
        int computed = 0;
        for (int i = 0; i < scheduled.size(); i++) {
            Sequence seq = scheduled.get(i);
            SequenceChunk chunk = chunks.get(i);
            seq.numComputed = chunk.endPos();
            computed += chunk.tokens().length;
            registerFullBlocks(seq);
            if (chunk.wantLogits()) {
                onLogits(seq, out.logits().get(i));
            }
        }
        long now = clock.nanoTime();
        lastStepNanos = out.elapsedNanos() > 0 ? out.elapsedNanos() : now - t0;
        lastStepTokens = computed;
        return computed;
    }

    private SequenceChunk chunkOf(Sequence seq, int n) {
        int start = seq.numComputed;
        int[] toks = Arrays.copyOfRange(seq.tokensArray(), start, start + n);
        boolean wantLogits = start + n == seq.numTokens();
        return new SequenceChunk(seq.seqId, toks, start, seq.blockTable(), wantLogits);
    }

    private void allocate(Sequence seq, int needed) {
        for (int k = 0; k < needed; k++) {
            OptionalInt b = blocks.allocate();
            if (b.isEmpty()) {
                throw new IllegalStateException("block accounting broke: no free block after a capacity check");
            }
            seq.addBlock(b.getAsInt());
        }
    }

    private void registerFullBlocks(Sequence seq) {
        int full = seq.numComputed / config.blockSize();
        while (seq.numHashedBlocks < full) {
            int i = seq.numHashedBlocks;
            seq.lastHash = blocks.registerFull(seq.block(i), seq.lastHash, seq.tokensArray(), i * config.blockSize());
            seq.numHashedBlocks++;
        }
    }

    private void onLogits(Sequence seq, float[] logits) {
        int token = Sampler.sample(logits, seq.params, seq.rng);
        seq.appendToken(token);
        int index = seq.numOutputTokens() - 1;
        long now = clock.nanoTime();
        if (seq.firstTokenNanos < 0) {
            seq.firstTokenNanos = now;
        }
        generationTokensTotal++;
        boolean eos = token == tokenizer.eosId() && !seq.params.ignoreEos();
        TextAssembler.Step text = eos ? new TextAssembler.Step("", false)
                : seq.text.add(tokenizer.decodeBytes(seq.previousTokenId, token));
        seq.previousTokenId = token;
        seq.listener.onEvent(new RequestEvent.Token(seq.requestId, index, token, text.text(), now));
        if (eos || text.stopped()) {
            finish(seq, FinishReason.STOP, seq.text.finish());
        } else if (seq.numOutputTokens() >= seq.params.maxTokens() || seq.numTokens() >= config.maxModelLen()) {
            finish(seq, FinishReason.LENGTH, seq.text.finish());
        }
    }

    private void preempt(Sequence seq) {
        running.remove(seq);
        releaseBlocks(seq);
        seq.running = false;
        seq.numPreemptions++;
        numPreemptions++;
        waiting.add(seq);
    }

    private void releaseBlocks(Sequence seq) {
        // Release tail first so that, among this sequence's cached blocks, the tail is evicted first.
        for (int i = seq.numBlocks() - 1; i >= 0; i--) {
            blocks.release(seq.block(i));
        }
        seq.clearBlocks();
    }

    private void finish(Sequence seq, FinishReason reason, String tailText) {
        remove(seq);
        requestsFinished++;
        promptTokensTotal += seq.promptLength;
        seq.listener.onEvent(new RequestEvent.Finished(seq.requestId, reason, tailText, seq.promptLength, seq.numOutputTokens()));
    }

    private void remove(Sequence seq) {
        live.remove(seq.requestId);
        if (seq.running) {
            running.remove(seq);
            seq.running = false;
        } else {
            waiting.remove(seq);
        }
        releaseBlocks(seq);
    }

    /** An immutable picture of the queues and the cache now. */
    public EngineSnapshot snapshot() {
        long waitingPrefill = 0;
        List<String> waitingIds = new ArrayList<>(waiting.size());
        for (Sequence s : waiting) {
            waitingPrefill += s.numTokens();
            waitingIds.add(s.requestId);
        }
        long runningPrefill = 0;
        long decodeTokens = 0;
        int decodes = 0;
        for (Sequence s : running) {
            if (s.isDecoding()) {
                decodes++;
                decodeTokens += s.numTokens();
            } else {
                runningPrefill += s.numUncomputedPrompt();
            }
        }
        int headBlocks = waiting.isEmpty() ? 0 : blocks.blocksFor(waiting.first().numTokens() + 1);
        return new EngineSnapshot(stepId, clock.nanoTime(), waiting.size(), running.size(), decodes, config.blockSize(),
                blocks.numBlocks(), blocks.numUsedBlocks(), blocks.numCachedFreeBlocks(), blocks.numFreeBlocks(), waitingPrefill,
                runningPrefill, decodeTokens, headBlocks, waitingIds, lastStepNanos, lastStepTokens, prefixQueryTokens,
                prefixHitTokens, numPreemptions, promptTokensTotal, generationTokensTotal, requestsFinished);
    }
}
