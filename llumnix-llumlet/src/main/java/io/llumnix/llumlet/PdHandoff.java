package io.llumnix.llumlet;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.server.HandoffHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The prefill side of staged prefill/decode disaggregation: when a request that names a decode instance has its
 * first token, the llumlet live-migrates it there (KV cache over the migration transport, staged like any
 * migration), and the caller's stream follows it with {@code event: migrated}. A hand-off that cannot happen
 * (destination full or unreachable, request already finished) leaves the request decoding here: nothing is lost.
 *
 * <p>Thread-safe; {@link #prefillDone} only starts the migration and returns.
 */
public final class PdHandoff implements HandoffHandler {

    private static final int MAX_ATTEMPTS = 5;
    private static final long RETRY_PAUSE_MS = 10;

    private final Llumlet llumlet;
    private final Consumer<String> log;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong keptHere = new AtomicLong();

    public PdHandoff(Llumlet llumlet, Consumer<String> log) {
        this.llumlet = requireNonNull(llumlet, "llumlet is null");
        this.log = requireNonNull(log, "log is null");
    }

    @Override
    public void prefillDone(String requestId, String decodeAddress) {
        attempt(requestId, decodeAddress, 1);
    }

    /**
     * One hand-off attempt. A destination that refuses (its migrate-in slots busy, no free blocks yet) or fails is
     * asked again a few times with a growing pause while the request decodes here; a request that ended meanwhile
     * ({@link MigrationOutcome.Result#SKIPPED}) needs nothing more.
     */
    private void attempt(String requestId, String decodeAddress, int attempt) {
        llumlet.handOff(requestId, decodeAddress).whenComplete((outcome, error) -> {
            if (error == null && outcome.committed()) {
                committed.incrementAndGet();
            } else if (error == null && outcome.result() == MigrationOutcome.Result.SKIPPED) {
                keptHere.incrementAndGet();
            } else if (attempt < MAX_ATTEMPTS) {
                CompletableFuture.delayedExecutor(RETRY_PAUSE_MS * attempt, TimeUnit.MILLISECONDS)
                        .execute(() -> attempt(requestId, decodeAddress, attempt + 1));
            } else {
                keptHere.incrementAndGet();
                String why = error != null ? String.valueOf(error) : outcome.result() + ": " + outcome.reason();
                log.accept("pd hand-off of " + requestId + " to " + decodeAddress + " did not happen in " + attempt + " attempts (" + why
                        + "); it decodes here");
            }
        });
    }

    /** Requests handed over to their decode instance so far. */
    public long committed() {
        return committed.get();
    }

    /** Requests whose hand-off failed or was skipped, so they completed on this instance. */
    public long keptHere() {
        return keptHere.get();
    }
}
