package io.llumnix.sim.core;

import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.workload.TraceRequest;

/**
 * Follows one request through the cluster by listening to its engine events (on whichever instance runs it, so the
 * same tracker survives migrations): first and last token times, tokens received, migrations, and the paper's
 * preemption loss — from each preemption (reported by the engine's preemption observer) to the next token, i.e. the
 * re-queueing wait plus the recomputation. Not thread-safe (the event loop owns it).
 */
final class RequestTracker implements RequestListener {

    final TraceRequest request;
    final String requestId;
    private final ClusterSimulation sim;
    long firstTokenNanos = -1;
    long lastTokenNanos = -1;
    int tokens;
    int nextIndex;
    int migrations;
    int preemptions;
    long preemptionLossNanos;
    private long preemptedAtNanos = -1;
    boolean finished;
    /** Instance the request was last placed on or moved to. */
    SimInstance instance;

    RequestTracker(TraceRequest request, String requestId, SimInstance instance, ClusterSimulation sim) {
        this.request = request;
        this.requestId = requestId;
        this.instance = instance;
        this.sim = sim;
    }

    @Override
    public void onEvent(RequestEvent event) {
        switch (event) {
            case RequestEvent.Token t -> onToken(t);
            case RequestEvent.Finished f -> {
                if (finished) {
                    throw new IllegalStateException("request " + requestId + " finished twice");
                }
                finished = true;
                sim.onFinished(this);
            }
            case RequestEvent.Migrated m -> migrations++;
            case RequestEvent.Failed f -> throw new IllegalStateException("simulated request " + requestId + " failed: "
                    + f.code() + " " + f.message());
        }
    }

    private void onToken(RequestEvent.Token t) {
        if (t.index() < nextIndex) {
            return; // the destination of a migration replays the tokens the source already produced
        }
        if (t.index() != nextIndex) {
            throw new IllegalStateException("request " + requestId + " got token " + t.index() + ", expected " + nextIndex);
        }
        nextIndex++;
        tokens++;
        long now = t.nanoTime();
        if (firstTokenNanos < 0) {
            firstTokenNanos = now;
        }
        lastTokenNanos = now;
        if (preemptedAtNanos >= 0) {
            preemptionLossNanos += now - preemptedAtNanos;
            preemptedAtNanos = -1;
        }
        sim.onToken(this, now);
    }

    void onPreempted(long nanoTime) {
        preemptions++;
        if (preemptedAtNanos < 0) {
            preemptedAtNanos = nanoTime;
        }
    }

    /** The finished request's record; arrival is the workload's arrival time shifted by {@code arrivalNanos}. */
    RequestRecord toRecord(long arrivalNanos) {
        return new RequestRecord(request.id(), request.priority(), request.promptTokens(), tokens, arrivalNanos,
                firstTokenNanos, lastTokenNanos, preemptions, preemptionLossNanos, migrations);
    }
}
