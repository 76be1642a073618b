package io.llumnix.engine.server;

/**
 * Prefill/decode disaggregation on the prefill side: called once for a request that carries a decode instance
 * ({@code pd_decode_llumlet}) as soon as its first token exists, so that the request — prompt KV cache, state and
 * the caller's stream — moves to that instance. The llumlet implements it with a live migration; when the hand-off
 * fails, the request simply keeps running here, so nothing is lost.
 *
 * <p>Called on the engine's step thread: implementations must return at once and never block.
 */
@FunctionalInterface
public interface HandoffHandler {

    /** A server with no llumlet: requests stay where they are. */
    HandoffHandler NONE = (requestId, decodeAddress) -> {};

    void prefillDone(String requestId, String decodeAddress);
}
