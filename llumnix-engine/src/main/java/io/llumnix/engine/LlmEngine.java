package io.llumnix.engine;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.exec.KvCacheStorage;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.sched.EngineCore;
import io.llumnix.engine.sched.MigratingRequest;
import io.llumnix.engine.tokenizer.Tokenizer;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running engine instance: a dedicated step thread owns an {@link EngineCore} and runs steps while
 * there is work; callers submit and abort from any thread through a command queue, and receive events on
 * the step thread. After every step the engine publishes an immutable {@link EngineSnapshot}.
 *
 * <p>Thread-safe.
 */
public final class LlmEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LlmEngine.class);
    /** How long a migrated-in request waits for its caller before it is aborted as orphaned. */
    static final long FOLLOW_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String servedModelName;
    private final EngineConfig config;
    private final ModelExecutor executor;
    private final Tokenizer tokenizer;
    private final EngineCore core;
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Set<String> liveIds = ConcurrentHashMap.newKeySet();
    private final Map<String, FollowBuffer> followers = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Thread stepThread;
    private volatile EngineSnapshot snapshot;
    private volatile boolean closed;

    private LlmEngine(String servedModelName, EngineConfig config, ModelExecutor executor, Tokenizer tokenizer, Clock clock) {
        this.servedModelName = requireNonNull(servedModelName, "servedModelName is null");
        this.config = requireNonNull(config, "config is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.tokenizer = requireNonNull(tokenizer, "tokenizer is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.core = new EngineCore(config, executor, tokenizer, clock);
        this.snapshot = core.snapshot();
        this.stepThread = Thread.ofPlatform().name("engine-step-" + servedModelName).daemon(true).unstarted(this::run);
    }

    /** Starts the step thread. The engine owns {@code executor} and closes it on {@link #close()}. */
    public static LlmEngine start(String servedModelName, EngineConfig config, ModelExecutor executor, Tokenizer tokenizer, Clock clock) {
        LlmEngine engine = new LlmEngine(servedModelName, config, executor, tokenizer, clock);
        engine.stepThread.start();
        return engine;
    }

    public String servedModelName() {
        return servedModelName;
    }

    public ModelShape shape() {
        return executor.shape();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public EngineConfig config() {
        return config;
    }

    /** The KV storage, when the executor has real storage (migration copies blocks through it). */
    public Optional<KvCacheStorage> kvStorage() {
        return executor.kvStorage();
    }

    /** KV blocks needed to hold {@code numTokens} tokens. */
    public int blocksFor(int numTokens) {
        return (numTokens + config.blockSize() - 1) / config.blockSize();
    }

    /**
     * Queues a request. Invalid requests (empty prompt, token id outside the vocabulary, prompt plus
     * max_tokens beyond the context window, duplicate id) throw {@link LlumnixException} synchronously and
     * never reach the queue. Events arrive on the step thread; the last one is terminal.
     */
    public void submit(GenerateRequest request, RequestListener listener) {
        requireNonNull(request, "request is null");
        requireNonNull(listener, "listener is null");
        if (closed) {
            throw new LlumnixException(ErrorCode.OVERLOADED, "the engine is shutting down");
        }
        EngineCore.validate(request, executor.shape().vocabSize(), config.maxModelLen());
        if (!liveIds.add(request.requestId())) {
            throw LlumnixException.invalid("request_id", "a request with id " + request.requestId() + " is already running");
        }
        RequestListener tracking = event -> {
            if (event.isTerminal()) {
                liveIds.remove(event.requestId());
            }
            listener.onEvent(event);
        };
        commands.add(() -> {
            try {
                core.add(request, tracking);
            } catch (LlumnixException e) {
                tracking.onEvent(new RequestEvent.Failed(request.requestId(), e.code(), e.getMessage()));
            }
        });
    }

    /** Aborts a live request; its listener then receives {@code Finished(ABORT)}. Unknown ids are ignored. */
    public void abort(String requestId) {
        requireNonNull(requestId, "requestId is null");
        commands.add(() -> core.abort(requestId));
    }

    /**
     * Runs {@code action} on the step thread between two steps, with exclusive access to the core (how the
     * llumlet performs migrations), and completes with its result.
     */
    public <T> CompletableFuture<T> onStepThread(Function<EngineCore, T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        commands.add(() -> {
            try {
                result.complete(action.apply(core));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Installs a request that migrated here (its KV, if any, already written into {@code blockTable}, which
     * this engine reserved). Its events are buffered until a caller {@link #attach}es.
     */
    public CompletableFuture<Void> installMigrated(MigratingRequest request, int[] blockTable) {
        return installMigrated(request, blockTable, () -> {});
    }

    /**
     * As {@link #installMigrated(MigratingRequest, int[])}, and runs {@code afterInstall} on the step thread right after
     * the install, before the request's first step here (the migration's answer to its source goes out then, rather
     * than competing with that step for the cores). {@code afterInstall} must be quick and must not throw.
     */
    public CompletableFuture<Void> installMigrated(MigratingRequest request, int[] blockTable, Runnable afterInstall) {
        requireNonNull(request, "request is null");
        requireNonNull(afterInstall, "afterInstall is null");
        FollowBuffer buffer = new FollowBuffer(clock.nanoTime());
        return onStepThread(c -> {
            if (!liveIds.add(request.requestId())) {
                throw new IllegalStateException("request " + request.requestId() + " is already live here");
            }
            followers.put(request.requestId(), buffer);
            c.installMigrated(request, blockTable, event -> {
                if (event.isTerminal()) {
                    liveIds.remove(event.requestId());
                    if (buffer.attached()) {
                        followers.remove(event.requestId());
                    }
                }
                buffer.onEvent(event);
            }, afterInstall);
            return null;
        });
    }

    /**
     * Re-attaches a caller to a request that migrated here: events from token {@code fromIndex} on are
     * replayed from the buffer and then delivered live. False when no such request awaits a caller.
     */
    public boolean attach(String requestId, int fromIndex, RequestListener listener) {
        FollowBuffer buffer = followers.get(requestId);
        if (buffer == null || !buffer.attach(fromIndex, listener)) {
            return false;
        }
        if (buffer.isTerminal()) {
            followers.remove(requestId);
        }
        return true;
    }

    /** The state after the latest step. */
    public EngineSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        commands.add(() -> core.failAll(ErrorCode.OVERLOADED, "the engine is shutting down"));
        stepThread.interrupt();
        try {
            stepThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.close();
    }

    private void run() {
        while (true) {
            try {
                Runnable cmd = core.hasWork() ? commands.poll() : commands.poll(50, TimeUnit.MILLISECONDS);
                while (cmd != null) {
                    cmd.run();
                    cmd = commands.poll();
                }
                if (closed) {
                    break;
                }
                if (core.hasWork() && core.step() == 0) {
                    // Nothing could run this step (cannot normally happen): don't spin.
                    Runnable next = commands.poll(1, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        next.run();
                    }
                }
                snapshot = core.snapshot();
                abandonUnfollowed();
            } catch (InterruptedException e) {
                if (closed) {
                    drainOnClose();
                    return;
                }
            } catch (RuntimeException | Error e) {
                log.error("engine step failed; failing live requests", e);
                core.failAll(ErrorCode.INTERNAL, "the engine failed: " + e);
                snapshot = core.snapshot();
            }
        }
        drainOnClose();
    }

    /** Aborts migrated-in requests nobody re-attached to within {@link #FOLLOW_TIMEOUT_NANOS}. */
    private void abandonUnfollowed() {
        if (followers.isEmpty()) {
            return;
        }
        long now = clock.nanoTime();
        followers.forEach((id, buffer) -> {
            if (!buffer.attached() && now - buffer.createdNanos() > FOLLOW_TIMEOUT_NANOS) {
                followers.remove(id);
                if (!buffer.isTerminal()) {
                    log.warn("request {} migrated here but no caller re-attached within {} s; aborting it", id, FOLLOW_TIMEOUT_NANOS / 1_000_000_000L);
                    core.abort(id);
                }
            }
        });
    }

    private void drainOnClose() {
        Runnable cmd;
        while ((cmd = commands.poll()) != null) {
            try {
                cmd.run();
            } catch (RuntimeException e) {
                log.warn("command failed during shutdown", e);
            }
        }
        core.failAll(ErrorCode.OVERLOADED, "the engine is shutting down");
        snapshot = core.snapshot();
    }
}
