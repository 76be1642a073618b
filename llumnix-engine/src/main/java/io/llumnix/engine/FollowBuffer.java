package io.llumnix.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds the events of a request that arrived here by migration until its caller re-attaches, then relays
 * them from the index the caller asks for and forwards the rest live. This is what makes a client's stream
 * continue across a migration with no token lost, repeated or reordered.
 *
 * <p>Thread-safe: events come from the step thread, the attach from a server thread.
 */
final class FollowBuffer implements RequestListener {

    private final List<RequestEvent> buffered = new ArrayList<>();
    private final long createdNanos;
    private RequestListener follower;
    private int fromIndex;
    private boolean terminal;

    FollowBuffer(long createdNanos) {
        this.createdNanos = createdNanos;
    }

    @Override
    public synchronized void onEvent(RequestEvent event) {
        terminal |= event.isTerminal();
        if (follower == null) {
            buffered.add(event);
        } else {
            deliver(event);
        }
    }

    /** Attaches the caller once; replays buffered events from {@code from}. False when already attached. */
    synchronized boolean attach(int from, RequestListener listener) {
        if (follower != null) {
            return false;
        }
        follower = listener;
        fromIndex = from;
        for (RequestEvent e : buffered) {
            deliver(e);
        }
        buffered.clear();
        return true;
    }

    synchronized boolean attached() {
        return follower != null;
    }

    synchronized boolean isTerminal() {
        return terminal;
    }

    long createdNanos() {
        return createdNanos;
    }

    private void deliver(RequestEvent e) {
        if (e instanceof RequestEvent.Token t && t.index() < fromIndex) {
            return;
        }
        follower.onEvent(e);
    }
}
