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
import java.util.Optional;
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
 * blocks. Admission stops at the first request that does not fit (head-of-line), so arrival order is kept. Before
 * all that, a queue head that outranks running requests and does not fit preempts the lowest-priority ones until
 * it does, so priority decides admission too, not only the queue order.
 *
 * <p>Not thread-safe: one owner thread calls everything.
 */
public final class EngineCore {

    /**
     * Told when the step loop preempts a request by recompute (its blocks are freed and it re-queues). Called on
     * the step thread inside {@link #step()}; must return quickly. The simulator uses it to measure the paper's
     * preemption loss per request.
     */
    @FunctionalInterface
    public interface PreemptionObserver {

        /**
         * @param requestId the preempted request
         * @param numTokens tokens (prompt plus generated) it must recompute when re-admitted
         * @param nanoTime engine clock at the preemption
         */
        void onPreempted(String requestId, int numTokens, long nanoTime);
    }

    private static final PreemptionObserver NO_OBSERVER = (id, tokens, t) -> { };

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
    private final Map<String, Sequence> detached = new HashMap<>();
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
    private long numMigratedIn;
    private long numMigratedOut;
    private PreemptionObserver preemptionObserver = NO_OBSERVER;

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

    /** Installs the observer told about every preemption (replacing any previous one). */
    public void setPreemptionObserver(PreemptionObserver observer) {
        this.preemptionObserver = requireNonNull(observer, "observer is null");
    }

    /**
     * KV tokens (blocks × block size) held by running requests whose priority is above {@code priority}: with 0,
     * the high-priority usage the paper's freeness reserves headroom for.
     */
    public long usedTokensAbovePriority(int priority) {
        long blocksHeld = 0;
        for (int i = 0, n = running.size(); i < n; i++) {
            Sequence s = running.get(i);
            if (s.priority > priority) {
                blocksHeld += s.numBlocks();
            }
        }
        return blocksHeld * config.blockSize();
    }

    /** Runs one step; returns the number of tokens computed (0 when nothing could run). */
    public int step() {
        long t0 = clock.nanoTime();
        List<Sequence> scheduled = new ArrayList<>();
        List<SequenceChunk> chunks = new ArrayList<>();
        int budget = config.maxNumBatchedTokens();
        boolean preempted = false;

        running.sort(PRIORITY_ORDER);
        makeRoomForHigherPriority();
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

    /**
     * Priority scheduling: when the head of the queue outranks running requests and its prompt does not fit, running
     * requests of lower priority are preempted until it does (a waiting high-priority request would otherwise sit
     * behind a cache full of normal decodes until they finish). Among the lowest-priority candidates the victim is the
     * one whose blocks cover the shortfall most tightly (else the largest, and again): recompute costs the victim's
     * whole context, so evicting a long context to admit a short prompt would waste most of it.
     */
    private void makeRoomForHigherPriority() {
        if (waiting.isEmpty() || running.isEmpty()) {
            return;
        }
        Sequence head = waiting.first();
        int needed = blocks.blocksFor(head.numTokens() + 1);
        while (blocks.numFreeBlocks() < needed) {
            int shortfall = needed - blocks.numFreeBlocks();
            Sequence victim = null;
            for (Sequence s : running) {
                if (s.migratingOut || s.priority >= head.priority) {
                    continue;
                }
                if (victim == null || s.priority < victim.priority) {
                    victim = s;
                } else if (s.priority == victim.priority) {
                    boolean fits = s.numBlocks() >= shortfall;
                    boolean victimFits = victim.numBlocks() >= shortfall;
                    if (fits && (!victimFits || s.numBlocks() < victim.numBlocks())
                            || !fits && !victimFits && s.numBlocks() > victim.numBlocks()) {
                        victim = s;
                    }
                }
            }
            if (victim == null) {
                return;
            }
            preempt(victim);
        }
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
        preemptionObserver.onPreempted(seq.requestId, seq.numTokens(), clock.nanoTime());
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
        if (detached.remove(seq.requestId) != null) {
            // Aborted while detached for migration: the migration will find the ticket stale.
        } else if (seq.running) {
            running.remove(seq);
            seq.running = false;
        } else {
            waiting.remove(seq);
        }
        releaseBlocks(seq);
    }


    // ---------------------------------------------------------------------------------------------
    // Live migration. Every method below runs on the step thread, between steps.

    /**
     * Marks a live request as migrating out and returns a ticket for the later calls; empty when the
     * request is unknown or already migrating.
     */
    public Optional<MigrationTicket> beginMigrationOut(String requestId) {
        Sequence seq = live.get(requestId);
        if (seq == null || seq.migratingOut) {
            return Optional.empty();
        }
        seq.migratingOut = true;
        return Optional.of(new MigrationTicket(requestId, seq.seqId, seq.numPreemptions, seq.running, seq.numTokens()));
    }

    /** Ends a migration attempt that did not detach the request (it keeps running here). */
    public void endMigrationOut(MigrationTicket ticket) {
        Sequence seq = live.get(ticket.requestId());
        if (seq != null && seq.seqId == ticket.seqId()) {
            seq.migratingOut = false;
        }
    }

    /**
     * Pins the request's full, computed blocks from logical block {@code fromBlock} on, for a stage copy: each
     * gets one more reference so it cannot be reused while another thread reads it (a full computed block is
     * never written again). Empty when the request finished, was preempted or aborted since the ticket:
     * the migration must then abort. {@link #unpin} must follow.
     */
    public Optional<int[]> pinComputedBlocks(MigrationTicket ticket, int fromBlock) {
        Sequence seq = live.get(ticket.requestId());
        if (seq == null || seq.seqId != ticket.seqId() || seq.numPreemptions != ticket.numPreemptions()) {
            return Optional.empty();
        }
        int full = seq.numComputed / config.blockSize();
        if (full < fromBlock) {
            return Optional.empty();
        }
        int[] out = new int[full - fromBlock];
        for (int i = 0; i < out.length; i++) {
            out[i] = seq.block(fromBlock + i);
            blocks.acquire(out[i]);
        }
        return Optional.of(out);
    }

    /** Drops the references {@link #pinComputedBlocks} or {@link #reserveBlocks} took. */
    public void unpin(int[] pinned) {
        for (int b : pinned) {
            blocks.release(b);
        }
    }

    /**
     * Takes the request out of its batch for the final stage (downtime starts). It keeps its blocks until
     * {@link #completeMigrationOut} or {@link #reinstate}. Empty when the ticket is stale.
     */
    public Optional<DetachedRequest> detachForMigration(MigrationTicket ticket) {
        Sequence seq = live.get(ticket.requestId());
        if (seq == null || seq.seqId != ticket.seqId() || seq.numPreemptions != ticket.numPreemptions()) {
            return Optional.empty();
        }
        if (seq.running) {
            running.remove(seq);
            seq.running = false;
        } else {
            waiting.remove(seq);
        }
        detached.put(seq.requestId, seq);
        MigratingRequest state = new MigratingRequest(seq.requestId, Arrays.copyOf(seq.tokensArray(), seq.numTokens()), seq.promptLength,
                seq.numComputed, seq.params, seq.rng.state(), seq.priority, clock.nanoTime() - seq.arrivalNanos, seq.previousTokenId,
                seq.numPreemptions);
        return Optional.of(new DetachedRequest(state, seq.blockTable(), clock.nanoTime()));
    }

    /** Puts a detached request back into this instance's batch (the migration failed): nothing is lost. */
    public void reinstate(DetachedRequest d) {
        Sequence seq = detached.remove(d.state().requestId());
        if (seq == null) {
            throw new IllegalStateException("request " + d.state().requestId() + " is not detached");
        }
        seq.migratingOut = false;
        if (seq.numBlocks() > 0) {
            seq.running = true;
            running.add(seq);
        } else {
            waiting.add(seq);
        }
    }

    /**
     * The destination runs the request now: frees its blocks here and tells its listener where it went.
     */
    public void completeMigrationOut(DetachedRequest d, String dstInstanceId, String dstAddress) {
        Sequence seq = detached.remove(d.state().requestId());
        if (seq == null) {
            throw new IllegalStateException("request " + d.state().requestId() + " is not detached");
        }
        live.remove(seq.requestId);
        releaseBlocks(seq);
        numMigratedOut++;
        seq.listener.onEvent(new RequestEvent.Migrated(seq.requestId, dstInstanceId, dstAddress, seq.numOutputTokens()));
    }

    /**
     * Reserves {@code n} blocks for an incoming migration, keeping {@code watermarkBlocks} free for local
     * work; empty (nothing reserved) when there is no room.
     */
    public Optional<int[]> reserveBlocks(int n, int watermarkBlocks) {
        if (blocks.numFreeBlocks() - n < watermarkBlocks) {
            return Optional.empty();
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = blocks.allocate().orElseThrow();
        }
        return Optional.of(out);
    }

    /**
     * Installs a migrated request whose KV for positions {@code 0 .. numComputed-1} is already written into
     * {@code blockTable} (blocks reserved here; ownership passes to the request). A request without KV
     * joins the waiting queue. Extra reserved blocks beyond what the request needs are released. The
     * listener first receives the request's already generated tokens again (same indices and text as on the
     * source), then the new ones.
     */
    public void installMigrated(MigratingRequest m, int[] blockTable, RequestListener listener) {
        installMigrated(m, blockTable, listener, () -> {});
    }

    /**
     * As {@link #installMigrated(MigratingRequest, int[], RequestListener)}, running {@code installed} as soon as the
     * request is in the running (or waiting) queue: before the bookkeeping whose cost grows with the request's length
     * (replaying its tokens' text and events, registering its blocks in the prefix cache), which then happens while
     * the source already knows the migration committed. All of it is done before the next step.
     */
    public void installMigrated(MigratingRequest m, int[] blockTable, RequestListener listener, Runnable installed) {
        if (live.containsKey(m.requestId())) {
            throw new IllegalStateException("request " + m.requestId() + " is already live here");
        }
        int needed = blocks.blocksFor(m.numComputed());
        if (blockTable.length < needed) {
            throw new IllegalArgumentException("request " + m.requestId() + " needs " + needed + " blocks, got " + blockTable.length);
        }
        Sequence seq = new Sequence(m.requestId(), nextSeqId++, Arrays.copyOf(m.tokens(), m.promptLength()), m.params(), m.priority(),
                clock.nanoTime() - m.ageNanos(), listener, SamplingRng.restore(m.rngState()));
        int[] toks = m.tokens();
        long now = clock.nanoTime();
        for (int i = m.promptLength(); i < toks.length; i++) {
            seq.appendToken(toks[i]);
        }
        seq.previousTokenId = m.previousTokenId();
        seq.numPreemptions = m.numPreemptions();
        for (int i = 0; i < blockTable.length; i++) {
            if (i < needed) {
                seq.addBlock(blockTable[i]);
            } else {
                blocks.release(blockTable[i]);
            }
        }
        seq.numComputed = m.numComputed();
        live.put(seq.requestId, seq);
        numMigratedIn++;
        if (seq.numComputed == 0) {
            waiting.add(seq);
        } else {
            seq.running = true;
            running.add(seq);
        }
        installed.run();
        for (int i = m.promptLength(); i < toks.length; i++) {
            // Rebuild the text assembler's state by replaying the tokens, and hand the listener the same
            // token events the source produced, so a caller may re-attach from any index (0 included).
            TextAssembler.Step step = seq.text.add(tokenizer.decodeBytes(toks[i - 1], toks[i]));
            listener.onEvent(new RequestEvent.Token(seq.requestId, i - m.promptLength(), toks[i], step.text(), now));
        }
        if (seq.running) {
            registerFullBlocks(seq);
        }
    }

    /** Running requests, for the rescheduler's request selection (immutable views). */
    public List<RunningRequestView> runningRequests() {
        List<RunningRequestView> out = new ArrayList<>(running.size() + waiting.size());
        for (Sequence s : running) {
            out.add(view(s));
        }
        for (Sequence s : waiting) {
            out.add(view(s));
        }
        return out;
    }

    private RunningRequestView view(Sequence s) {
        return new RunningRequestView(s.requestId, s.running, s.priority, s.arrivalNanos, s.promptLength, s.numTokens(), s.numOutputTokens(),
                s.numBlocks(), s.migratingOut);
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
