package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.sim.report.RequestRecord;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real local cluster for validating the simulator: {@code n} CPU engines (each its own step thread and paced
 * executor) behind their OpenAI servers on loopback, in this process, and a client that replays a {@link Workload}
 * against them over HTTP with streaming — dispatching round-robin, like the simulator's {@code round-robin} policy —
 * and records each request's TTFT and end-to-end latency as the client sees them.
 *
 * <p>Every request asks for exactly its output length ({@code max_tokens} with {@code ignore_eos}) and for token ids
 * in every chunk, so that each generated token arrives as one SSE chunk even when it decodes to no text.
 *
 * <p>Not thread-safe: one replay at a time; {@link #close()} stops servers and engines.
 */
final class RealCluster implements AutoCloseable {

    private final List<LlmEngine> engines = new ArrayList<>();
    private final List<OpenAiServer> servers = new ArrayList<>();
    private final int vocabSize;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build();

    RealCluster(LoadedModel model, EngineConfig config, long minStepNanos, int instances) {
        requireNonNull(model, "model is null");
        requireNonNull(config, "config is null");
        this.vocabSize = model.shape().vocabSize();
        try {
            for (int i = 0; i < instances; i++) {
                ModelExecutor raw = model.newExecutor(config.numKvBlocks(), config.blockSize());
                ModelExecutor executor = minStepNanos > 0 ? new PacedExecutor(raw, minStepNanos) : raw;
                LlmEngine engine = LlmEngine.start("validation-" + i, config, executor, model.tokenizer(), Clock.system());
                engines.add(engine);
                servers.add(OpenAiServer.start(engine, OpenAiServerConfig.of("validation-" + i, 0)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * What serving adds to the engine's step costs, measured on lone requests to the idle cluster.
     *
     * @param ttftMs median TTFT of a 8-token prompt asking for one token
     * @param tpotMs median time per output token of a lone 8-token prompt asking for 33 tokens
     */
    record LoneRequestTimes(double ttftMs, double tpotMs) {}

    /** Sends {@code repetitions} lone requests (one at a time) of each kind to instance 0 and returns the medians. */
    LoneRequestTimes loneRequestTimes(int repetitions) {
        double[] ttft = new double[repetitions];
        double[] tpot = new double[repetitions];
        OpenAiServer server = servers.getFirst();
        try {
            for (int i = 0; i < repetitions; i++) {
                ttft[i] = send(server, lone(server, 1), TraceRequest.of(0, 0, 8, 1), System.nanoTime()).ttftMs();
                tpot[i] = send(server, lone(server, 33), TraceRequest.of(0, 0, 8, 33), System.nanoTime()).meanTpotMs();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a calibration request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calibrating", e);
        }
        java.util.Arrays.sort(ttft);
        java.util.Arrays.sort(tpot);
        return new LoneRequestTimes(ttft[repetitions / 2], tpot[repetitions / 2]);
    }

    private static String lone(OpenAiServer server, int maxTokens) {
        return "{\"model\":\"" + server.servedModelName() + "\",\"prompt\":[5,6,7,8,9,10,11,12],\"max_tokens\":" + maxTokens
                + ",\"ignore_eos\":true,\"temperature\":0,\"stream\":true,\"return_token_ids\":true}";
    }

    /**
     * Untimed requests to every instance, several at a time: compiles the engines' and servers' hot paths and opens
     * the client's pooled connections, so the first timed requests pay neither JIT nor TCP set-up.
     */
    void warmUp(int rounds, int concurrency) {
        int[] promptLengths = {8, 64, 192};
        for (int round = 0; round < rounds; round++) {
            List<Future<RequestRecord>> futures = new ArrayList<>();
            long now = System.nanoTime();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (OpenAiServer server : servers) {
                    for (int c = 0; c < concurrency; c++) {
                        int promptTokens = promptLengths[(round + c) % promptLengths.length];
                        TraceRequest probe = TraceRequest.of(0, 0, promptTokens, 48);
                        String body = "{\"model\":\"" + server.servedModelName() + "\",\"prompt\":"
                                + java.util.Arrays.toString(new int[promptTokens]).replace(" ", "").replace("0", "5")
                                + ",\"max_tokens\":48,\"ignore_eos\":true,\"temperature\":0,\"stream\":true,\"return_token_ids\":true}";
                        futures.add(pool.submit(() -> send(server, body, probe, now)));
                    }
                }
            }
            for (Future<RequestRecord> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a warm-up request failed: " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while warming up", e);
                }
            }
        }
    }

    /**
     * Sends every request of {@code workload} at its arrival time (relative to now) to instance {@code i mod n} and
     * waits for all of them; the records' times are nanoseconds since the replay started.
     */
    List<RequestRecord> replay(Workload workload, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> bodies = new ArrayList<>();
        for (TraceRequest r : workload.requests()) {
            StringBuilder prompt = new StringBuilder("[");
            for (int t = 0; t < r.promptTokens(); t++) {
                prompt.append(t == 0 ? "" : ",").append(3 + rng.nextInt(vocabSize - 3)); // past BOS/EOS and the like
            }
            prompt.append(']');
            bodies.add("\"prompt\":" + prompt + ",\"max_tokens\":" + r.outputTokens()
                    + ",\"ignore_eos\":true,\"temperature\":0,\"stream\":true,\"return_token_ids\":true}");
        }
        long start = System.nanoTime() + 50_000_000L; // let every thread reach its start line first
        List<Future<RequestRecord>> futures = new ArrayList<>();
        // Platform threads: a sender wakes at its arrival time from the OS timer, not when a carrier thread of the
        // virtual-thread scheduler (busy reading other streams on two cores) gets round to it, which read as TTFT.
        try (var pool = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon(true).name("validation-client-", 0).factory())) {
            for (int i = 0; i < workload.size(); i++) {
                TraceRequest r = workload.requests().get(i);
                OpenAiServer server = servers.get(i % servers.size());
                String body = "{\"model\":\"" + server.servedModelName() + "\"," + bodies.get(i);
                futures.add(pool.submit(() -> send(server, body, r, start)));
            }
        }
        List<RequestRecord> records = new ArrayList<>();
        for (Future<RequestRecord> f : futures) {
            try {
                records.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a validation request failed: " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while replaying the validation workload", e);
            }
        }
        return records;
    }

    private RequestRecord send(OpenAiServer server, String body, TraceRequest r, long start) throws IOException, InterruptedException {
        long arrival = start + r.arrivalNanos();
        for (long left = arrival - System.nanoTime(); left > 0; left = arrival - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/completions"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        long first = -1;
        int chunks = 0;
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + ": " + String.join("\n", lines.toList()));
            }
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data:")) {
                    continue;
                }
                if (line.contains("[DONE]")) {
                    break;
                }
                if (line.contains("\"token_ids\":[") && !line.contains("\"token_ids\":[]")) {
                    chunks++;
                    if (first < 0) {
                        first = System.nanoTime();
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long finish = System.nanoTime();
        if (first < 0) {
            throw new IOException("request " + r.id() + " streamed no tokens");
        }
        return new RequestRecord(r.id(), r.priority(), r.promptTokens(), Math.max(1, chunks), arrival - start, first - start,
                finish - start, 0, 0, 0);
    }

    @Override
    public void close() {
        for (OpenAiServer s : servers) {
            s.close();
        }
        for (LlmEngine e : engines) {
            e.close();
        }
        http.close();
    }
}
