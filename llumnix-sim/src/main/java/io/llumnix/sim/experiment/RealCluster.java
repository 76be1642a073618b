package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.InstanceStatuses;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.exec.ModelExecutor;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.ScheduleDecision;
import io.llumnix.scheduler.ScheduleRequest;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
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
 * against them over HTTP with streaming, and records each request's TTFT and end-to-end latency as the client sees
 * them. Each request goes where the real {@link Scheduler} sends it, under the same dispatch policy the simulator
 * runs, over statuses built from the engines' latest step snapshots by the mapping the llumlet and the simulator
 * share ({@link InstanceStatuses}); a request leaves the dispatch ledger once its first token shows it is running.
 *
 * <p>Every request asks for exactly its output length ({@code max_tokens} with {@code ignore_eos}) and for token ids
 * in every chunk, so that each generated token arrives as one SSE chunk even when it decodes to no text.
 *
 * <p>Not thread-safe: one replay at a time; {@link #close()} stops servers and engines.
 */
final class RealCluster implements AutoCloseable {

    private final List<LlmEngine> engines = new ArrayList<>();
    private final List<OpenAiServer> servers = new ArrayList<>();
    private final List<InstanceMetadata> metadata = new ArrayList<>();
    private final Scheduler scheduler;
    private final List<Long> sendLatenessNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Request id → how late its sender left, ns. */
    private final java.util.Map<Long, Long> lateById = new java.util.concurrent.ConcurrentHashMap<>();
    private final int vocabSize;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Starts {@code instances} engines whose requests the real scheduler places under {@code dispatchPolicy}. */
    RealCluster(LoadedModel model, EngineConfig config, long minStepNanos, int instances, String dispatchPolicy, long seed) {
        requireNonNull(model, "model is null");
        requireNonNull(config, "config is null");
        this.vocabSize = model.shape().vocabSize();
        this.scheduler = new Scheduler(SchedulerConfig.builder().schedulingPolicy(dispatchPolicy).enableFullModeScheduling(true)
                .dispatchSeed(seed).build(), Clock.system());
        try {
            for (int i = 0; i < instances; i++) {
                ModelExecutor raw = model.newExecutor(config.numKvBlocks(), config.blockSize());
                ModelExecutor executor = minStepNanos > 0 ? new PacedExecutor(raw, minStepNanos) : raw;
                LlmEngine engine = LlmEngine.start("validation-" + i, config, executor, model.tokenizer(), Clock.system());
                engines.add(engine);
                OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("validation-" + i, 0));
                servers.add(server);
                metadata.add(new InstanceMetadata("validation-" + i, "127.0.0.1", 0, 0, InferType.NEUTRAL, "", "node-validation-" + i,
                        server.servedModelName(), (long) config.numKvBlocks() * config.blockSize(), 0, ""));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * What serving adds to the engine's step costs, measured on lone requests to the idle cluster.
     *
     * @param promptTokens the calibration prompt's length
     * @param ttftMs median TTFT of the prompt asking for one token
     * @param tpotMs median time per output token of the prompt asking for 33 tokens
     */
    record LoneRequestTimes(int promptTokens, double ttftMs, double tpotMs) {

        /** The quieter of two calibrations, per quantity: load from other processes only ever adds time. */
        LoneRequestTimes quieter(LoneRequestTimes other) {
            return new LoneRequestTimes(promptTokens, Math.min(ttftMs, other.ttftMs), Math.min(tpotMs, other.tpotMs));
        }
    }

    /** Sends {@code repetitions} lone requests (one at a time) of each kind to instance 0 and returns the medians. */
    LoneRequestTimes loneRequestTimes(int repetitions) {
        int promptTokens = 8;
        double[] ttft = new double[repetitions];
        double[] tpot = new double[repetitions];
        OpenAiServer server = servers.getFirst();
        try {
            for (int i = 0; i < repetitions; i++) {
                ttft[i] = send(server, lone(server, promptTokens, 1), TraceRequest.of(0, 0, promptTokens, 1), System.nanoTime()).ttftMs();
                tpot[i] = send(server, lone(server, promptTokens, 33), TraceRequest.of(0, 0, promptTokens, 33), System.nanoTime()).meanTpotMs();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a calibration request failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calibrating", e);
        }
        return new LoneRequestTimes(promptTokens, median(ttft), median(tpot));
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    private String lone(OpenAiServer server, int promptTokens, int maxTokens) {
        StringBuilder prompt = new StringBuilder("[");
        for (int t = 0; t < promptTokens; t++) {
            prompt.append(t == 0 ? "" : ",").append(5 + t % (vocabSize - 5));
        }
        return "{\"model\":\"" + server.servedModelName() + "\",\"prompt\":" + prompt + "],\"max_tokens\":" + maxTokens
                + ",\"ignore_eos\":true,\"temperature\":0,\"stream\":true,\"return_token_ids\":true}";
    }

    /**
     * Untimed requests to every instance, several at a time: compiles the engines' and servers' hot paths and opens
     * the client's pooled connections, so the first timed requests pay neither JIT nor TCP set-up.
     */
    void warmUp(int rounds, int concurrency) {
        // the dispatch path (scheduler, status mapping) too, so that the first timed decisions are compiled ones
        for (int i = 0; i < 2000 * rounds; i++) {
            String id = "warm-up-" + i;
            dispatch(ScheduleRequest.of(id, 8 + i % 184));
            release(id);
        }
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
        // Let every sender thread reach its start line first: starting a few hundred platform threads on a busy
        // two-core machine takes far longer than 50 ms, and requests of the first seconds measured that as TTFT.
        long start = System.nanoTime() + 1_000_000_000L;
        List<Future<RequestRecord>> futures = new ArrayList<>();
        // Platform threads: a sender wakes at its arrival time from the OS timer, not when a carrier thread of the
        // virtual-thread scheduler (busy reading other streams on two cores) gets round to it, which read as TTFT.
        try (var pool = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon(true).name("validation-client-", 0).factory())) {
            for (int i = 0; i < workload.size(); i++) {
                TraceRequest r = workload.requests().get(i);
                String body = bodies.get(i);
                futures.add(pool.submit(() -> dispatchAndSend(body, r, start)));
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

    /** At the request's arrival time, asks the scheduler for an instance and sends the request there. */
    private RequestRecord dispatchAndSend(String bodyTail, TraceRequest r, long start) throws IOException, InterruptedException {
        awaitArrival(start + r.arrivalNanos());
        // A sender woken late by a busy machine is the load generator's delay, not the cluster's: the request's
        // latencies count from when it was actually sent (its record keeps the intended arrival).
        long late = Math.max(0, System.nanoTime() - (start + r.arrivalNanos()));
        sendLatenessNanos.add(late);
        lateById.put(r.id(), late);
        String id = "r" + r.id();
        int target = dispatch(ScheduleRequest.of(id, r.promptTokens()));
        OpenAiServer server = servers.get(target);
        try {
            return send(server, "{\"model\":\"" + server.servedModelName() + "\"," + bodyTail, r, start + late, () -> release(id));
        } finally {
            release(id);
        }
    }

    /**
     * The workload as the cluster really received it: each request at the time its sender actually left (a late
     * sender moves its request later and may bunch it with the next ones), so that the simulator can be offered
     * exactly the load the real cluster saw. Requests not replayed keep their arrival.
     */
    Workload asSent(Workload workload) {
        List<TraceRequest> sent = new ArrayList<>(workload.size());
        for (TraceRequest r : workload.requests()) {
            sent.add(r.withArrivalNanos(r.arrivalNanos() + lateById.getOrDefault(r.id(), 0L)));
        }
        return Workload.sortedByArrival(workload.name(), sent);
    }

    /** How late each replayed request left its sender thread, ns (a busy machine wakes parked threads late). */
    List<Long> sendLatenessNanos() {
        return List.copyOf(sendLatenessNanos);
    }

    /** Index of the instance the scheduler picks, over statuses of the engines' latest steps. */
    private synchronized int dispatch(ScheduleRequest request) {
        long nowMs = System.currentTimeMillis();
        List<InstanceView> views = new ArrayList<>(engines.size());
        for (int i = 0; i < engines.size(); i++) {
            views.add(InstanceView.of(metadata.get(i), InstanceStatuses.from(engines.get(i).snapshot(), metadata.get(i).instanceId(),
                    InferType.NEUTRAL, metadata.get(i).nodeId(), "", 0, 0, 0, nowMs)));
        }
        scheduler.updateSnapshot(ClusterSnapshot.of(views, nowMs));
        ScheduleDecision d = scheduler.schedule(request);
        if (!(d instanceof ScheduleDecision.Dispatched dispatched)) {
            throw new IllegalStateException("the scheduler placed no instance for " + request.requestId() + ": " + d);
        }
        for (int i = 0; i < metadata.size(); i++) {
            if (metadata.get(i).instanceId().equals(dispatched.instanceId())) {
                return i;
            }
        }
        throw new IllegalStateException("the scheduler chose an unknown instance " + dispatched.instanceId());
    }

    private synchronized void release(String requestId) {
        scheduler.release(requestId);
    }

    private static void awaitArrival(long arrival) {
        for (long left = arrival - System.nanoTime(); left > 0; left = arrival - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private RequestRecord send(OpenAiServer server, String body, TraceRequest r, long start) throws IOException, InterruptedException {
        return send(server, body, r, start, () -> { });
    }

    /** Sends at the request's arrival time; {@code onFirstToken} runs when the first token arrives. */
    private RequestRecord send(OpenAiServer server, String body, TraceRequest r, long start, Runnable onFirstToken)
            throws IOException, InterruptedException {
        long arrival = start + r.arrivalNanos();
        awaitArrival(arrival);
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
                        onFirstToken.run();
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
