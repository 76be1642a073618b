package io.llumnix.gateway;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition the gateway reaches just after the client has its answer: the gateway writes the response's
 * end and then does its bookkeeping (in-flight count, metrics) on the same event loop, so a client that has read the
 * last byte can observe the count one request high for a moment.
 */
final class Await {

    private Await() {
    }

    static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not reached within 10 s");
            }
            Thread.sleep(10);
        }
    }

    static void noneInFlight(Gateway gateway) throws InterruptedException {
        until(() -> gateway.inFlight() == 0, "requests in flight drain to 0 (now " + gateway.inFlight() + ")");
    }
}
