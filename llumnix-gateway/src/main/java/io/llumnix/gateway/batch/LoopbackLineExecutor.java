package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Sends batch lines to the gateway's own front door over loopback HTTP, so that each line takes exactly the path of
 * an online request: authentication and the owner's rate limits, the admission queue, tokenization, scheduling,
 * forwarding, retries, migration following and resume on failure. The fixed headers mark the lines low priority.
 *
 * <p>Thread-safe; blocking (call it from a virtual thread).
 */
final class LoopbackLineExecutor implements LineExecutor {

    private final URI baseUrl;
    private final Map<String, String> headers;
    private final Function<String, Optional<String>> bearerOf;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl the gateway, {@code http://host:port}
     * @param headers sent with every line (the priority class)
     * @param bearerOf the API key to send for an owner (none when the gateway is open)
     * @param timeout how long one line may take
     */
    LoopbackLineExecutor(URI baseUrl, Map<String, String> headers, Function<String, Optional<String>> bearerOf, Duration timeout) {
        this.baseUrl = requireNonNull(baseUrl, "baseUrl is null");
        this.headers = Map.copyOf(headers);
        this.bearerOf = requireNonNull(bearerOf, "bearerOf is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public Outcome execute(BatchLine line, String owner) throws InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(baseUrl.resolve(line.url())).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(line.body()));
        headers.forEach(req::header);
        bearerOf.apply(owner).ifPresent(key -> req.header("Authorization", "Bearer " + key));
        try {
            HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            Optional<Long> retryAfter = resp.headers().firstValue("Retry-After").flatMap(LoopbackLineExecutor::seconds);
            return new Answered(resp.statusCode(), resp.headers().firstValue("X-Request-Id").orElse(""), resp.body(), retryAfter);
        } catch (IOException e) {
            return new Unanswered(e.toString());
        }
    }

    private static Optional<Long> seconds(String value) {
        try {
            return Optional.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
