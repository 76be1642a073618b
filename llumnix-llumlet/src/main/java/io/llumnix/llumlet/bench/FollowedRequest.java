package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * The benchmark's client of one request, as a gateway would be: it receives tokens from the source engine,
 * and when the source announces the request {@link RequestEvent.Migrated migrated} it re-attaches to the
 * peer process from the announced index and keeps collecting. It stamps the instants the benchmark needs:
 * the last token before the migration, the {@code Migrated} event and the first token from the destination.
 *
 * <p>Thread-safe: source events arrive on the source's step thread, remote ones on the peer reader thread.
 */
final class FollowedRequest implements RequestListener, PeerProcess.RemoteFollower {

    private final String requestId;
    private final Optional<PeerProcess> peer;
    private final IntConsumer onSourceToken;
    private final List<Integer> tokens = new ArrayList<>();
    private final CompletableFuture<String> done = new CompletableFuture<>();
    private long firstTokenNanos = -1;
    private final List<Long> sourceTokenNanos = new ArrayList<>();
    private long lastSourceTokenNanos = -1;
    private long migratedNanos = -1;
    private long firstRemoteTokenNanos = -1;

    /**
     * @param peer where migrated requests continue; empty for an unmigrated reference run
     * @param onSourceToken called with each source token's index, on the step thread (starts migrations)
     */
    FollowedRequest(String requestId, Optional<PeerProcess> peer, IntConsumer onSourceToken) {
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.peer = requireNonNull(peer, "peer is null");
        this.onSourceToken = requireNonNull(onSourceToken, "onSourceToken is null");
    }

    @Override
    public void onEvent(RequestEvent event) {
        switch (event) {
            case RequestEvent.Token t -> {
                synchronized (this) {
                    if (!append(t.index(), t.tokenId())) {
                        return;
                    }
                    lastSourceTokenNanos = System.nanoTime();
                    sourceTokenNanos.add(lastSourceTokenNanos);
                    if (t.index() == 0) {
                        firstTokenNanos = t.nanoTime();
                    }
                }
                onSourceToken.accept(t.index());
            }
            case RequestEvent.Migrated m -> {
                synchronized (this) {
                    migratedNanos = System.nanoTime();
                    if (m.nextIndex() != tokens.size()) {
                        done.completeExceptionally(new IllegalStateException(requestId + " migrated at token " + m.nextIndex()
                                + " but the client has " + tokens.size()));
                        return;
                    }
                }
                PeerProcess p = peer.orElseThrow(() -> new IllegalStateException(requestId + " migrated but has no peer to follow"));
                p.attach(requestId, m.nextIndex(), this);
            }
            case RequestEvent.Finished f -> done.complete(f.reason().name());
            case RequestEvent.Failed f -> done.complete("FAILED:" + f.code() + " " + f.message());
        }
    }

    @Override
    public synchronized void onRemoteToken(int index, int tokenId, long receivedNanos) {
        if (append(index, tokenId) && firstRemoteTokenNanos < 0) {
            firstRemoteTokenNanos = receivedNanos;
        }
    }

    @Override
    public void onRemoteEnd(String kind) {
        done.complete(kind);
    }

    private boolean append(int index, int tokenId) {
        if (index != tokens.size()) {
            done.completeExceptionally(
                    new IllegalStateException(requestId + ": token index " + index + " after " + tokens.size() + " tokens"));
            return false;
        }
        tokens.add(tokenId);
        return true;
    }

    String requestId() {
        return requestId;
    }

    /** Completes with how the request ended ({@code LENGTH}, {@code STOP}, …) wherever it ran last. */
    CompletableFuture<String> done() {
        return done;
    }

    synchronized int[] tokens() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Engine clock of the first token (prefill done); -1 if none yet. */
    synchronized long firstTokenNanos() {
        return firstTokenNanos;
    }

    /** When the last token from the source arrived. */
    /** When the source's token {@code index} reached this client ({@code System.nanoTime}). */
    synchronized long sourceTokenNanos(int index) {
        return sourceTokenNanos.get(index);
    }

    synchronized long lastSourceTokenNanos() {
        return lastSourceTokenNanos;
    }

    /** When the source's {@code Migrated} event arrived; -1 if the request did not migrate. */
    synchronized long migratedNanos() {
        return migratedNanos;
    }

    /** When the first token from the destination arrived; -1 if none. */
    synchronized long firstRemoteTokenNanos() {
        return firstRemoteTokenNanos;
    }
}
