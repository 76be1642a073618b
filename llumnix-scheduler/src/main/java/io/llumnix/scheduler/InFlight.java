package io.llumnix.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One instance's in-flight dispatches: requests and prompt tokens sent to it but not yet visible in its
 * status. Two counters in one object so a decision reads them with one pointer chase. Thread-safe.
 */
final class InFlight {

    private static final VarHandle REQUESTS;
    private static final VarHandle TOKENS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTS = lookup.findVarHandle(InFlight.class, "requests", long.class);
            TOKENS = lookup.findVarHandle(InFlight.class, "tokens", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Shared zero counters for instances a snapshot knows but the ledger has never seen. */
    static final InFlight NONE = new InFlight();

    @SuppressWarnings("unused") // accessed through REQUESTS
    private volatile long requests;

    @SuppressWarnings("unused") // accessed through TOKENS
    private volatile long tokens;

    long requests() {
        return requests;
    }

    long tokens() {
        return tokens;
    }

    void add(long requestDelta, long tokenDelta) {
        REQUESTS.getAndAdd(this, requestDelta);
        TOKENS.getAndAdd(this, tokenDelta);
    }
}
