package io.llumnix.engine;

/** Receives a request's events on the engine thread; must return quickly and never block. */
@FunctionalInterface
public interface RequestListener {

    void onEvent(RequestEvent event);
}
