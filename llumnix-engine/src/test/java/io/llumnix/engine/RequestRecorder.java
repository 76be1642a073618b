package io.llumnix.engine;

import io.llumnix.core.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Collects one request's events for a test; {@link #await()} waits for the terminal event. */
public class RequestRecorder implements RequestListener {

    private final List<Integer> tokens = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private final CompletableFuture<RequestEvent> done = new CompletableFuture<>();

    @Override
    public synchronized void onEvent(RequestEvent event) {
        switch (event) {
            case RequestEvent.Token t -> {
                if (t.index() != tokens.size()) {
                    done.completeExceptionally(new AssertionError("token index " + t.index() + " after " + tokens.size() + " tokens"));
                }
                tokens.add(t.tokenId());
                text.append(t.text());
            }
            case RequestEvent.Finished f -> {
                text.append(f.text());
                done.complete(f);
            }
            case RequestEvent.Failed f -> done.complete(f);
            case RequestEvent.Migrated m -> done.complete(m);
        }
    }

    public RequestEvent await() {
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("request did not finish", e);
        }
    }

    public FinishReason awaitFinish() {
        RequestEvent e = await();
        if (e instanceof RequestEvent.Finished f) {
            return f.reason();
        }
        throw new AssertionError("request failed: " + e);
    }

    public synchronized int[] tokens() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    public synchronized String text() {
        return text.toString();
    }
}
