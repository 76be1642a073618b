package io.llumnix.gateway;

import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code /dashboard} page: one self-contained HTML document (inline CSS and JS, no external resources, no build
 * step) that polls {@code /api/cluster} every 500 ms and draws the instances with load and KV bars, their queues,
 * and the migrations the gateway followed as they happen. The page carries no data itself, so it is served to
 * anyone; the data endpoint applies the access rule (see {@link Gateway}).
 *
 * <p>Thread-safe: the page is read once from the class path and never changes.
 */
final class DashboardPage {

    private static final String RESOURCE = "dashboard.html";
    private static final String HTML = load();

    /** Inline scripts and styles only; data from this origin only. */
    private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            + "img-src data:";

    private DashboardPage() {}

    static void send(HttpServerResponse resp) {
        resp.putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("Cache-Control", "no-store")
                .end(HTML);
    }

    private static String load() {
        try (InputStream in = DashboardPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing class-path resource io/llumnix/gateway/" + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
