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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real local cluster for validating the simulator: {@code n} CPU engines (each its own step thread and paced
 * executor) behind their OpenAI servers on loopback, in this process, and a client that replays a {@link Workload}
 * against them over HTTP with streaming, and records each request's TTFT and end-to-end latency as the client sees
 * them. Each request goes where the real {@link Scheduler} sends it, under the same dispatch policy the simulator
 * runs, over statuses built from the engines' latest step snapshots by the mapping the llumlet and the simulator
 * share ({@link InstanceStatuses}). Each request carries its dispatch id in {@value OpenAiServer#REQUEST_ID_HEADER}, as
 * the gateway's do, so that an engine's status names it by the id the dispatch ledger knows and the ledger drops it
 * once the status counts it (else a queued request counts twice, in the ledger and in the status's queue, until its
 * first token, and the real scheduler places requests differently from the simulated one); at the latest it leaves
 * the ledger at its first token.
 *
 * <p>The client is {@link StreamingHttpClient}: each sender reads its own stream on its own thread, so the measured
 * TTFT is the cluster's and not the JDK client's thread hand-offs (≈ 2 ms per request on this machine).
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
    /** Request id → how late its sender left, ns, for the latest {@link #replay}. */
    private Map<Long, Long> lateById = Map.of();
    private final int vocabSize;
    private final long minStepNanos;
    /** One client per server, index-aligned with {@link #servers}. */
    private final List<StreamingHttpClient> clients = new ArrayList<>();

    /**
     * Connections opened to each server before the replay: more than requests in flight at once on one instance in
     * the default workload, so that none of them pays for TCP and the server's connection set-up.
     */
    private static final int PRECONNECTED = 32;

    /** Starts {@code instances} engines whose requests the real scheduler places under {@code dispatchPolicy}. */
    RealCluster(LoadedModel model, EngineConfig config, long minStepNanos, int instances, String dispatchPolicy, long seed) {
        requireNonNull(model, "model is null");
        requireNonNull(config, "config is null");
        this.vocabSize = model.shape().vocabSize();
        this.minStepNanos = minStepNanos;
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
                clients.add(new StreamingHttpClient("127.0.0.1", server.port(), (int) TimeUnit.MINUTES.toMillis(5)));
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

    /**
     * Sends {@code repetitions} lone requests of each kind, one at a time, down the replay's own path (a sender thread
     * woken at the request's time, dispatch, the same client) and returns the medians: a calibration that takes
     * another path to the engines would miss what the replay's path costs.
     */
    LoneRequestTimes loneRequestTimes(int repetitions) {
        int promptTokens = 8;
        int tpotTokens = 33;
        // A first-token probe, then a 33-token one once the first is long over, then the next pair once that is over:
        // 8 paced steps of slack each time.
        long step = Math.max(minStepNanos, 5_000_000L);
        long gap = 8 * step;
        long pair = gap + (tpotTokens + 8) * step;
        List<TraceRequest> probes = new ArrayList<>();
        List<String> tails = new ArrayList<>();
        for (int i = 0; i < repetitions; i++) {
            long at = i * pair;
            probes.add(TraceRequest.of(2L * i, at, promptTokens, 1));
            tails.add(loneTail(promptTokens, 1));
            probes.add(TraceRequest.of(2L * i + 1, at + gap, promptTokens, tpotTokens));
            tails.add(loneTail(promptTokens, tpotTokens));
        }
        List<RequestRecord> records = send(probes, tails, new ConcurrentHashMap<>());
        double[] ttft = records.stream().filter(r -> r.outputTokens() == 1).mapToDouble(RequestRecord::ttftMs).toArray();
        double[] tpot = records.stream().filter(r -> r.outputTokens() > 1).mapToDouble(RequestRecord::meanTpotMs).toArray();
        return new LoneRequestTimes(promptTokens, median(ttft), median(tpot));
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    /** A calibration body without its model (the sender adds the chosen instance's). */
    private String loneTail(int promptTokens, int maxTokens) {
        StringBuilder prompt = new StringBuilder("[");
        for (int t = 0; t < promptTokens; t++) {
            prompt.append(t == 0 ? "" : ",").append(5 + t % (vocabSize - 5));
        }
        return "\"prompt\":" + prompt + "],\"max_tokens\":" + maxTokens
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
        try {
            for (StreamingHttpClient c : clients) {
                c.preconnect(PRECONNECTED);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to the validation engines", e);
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
        Map<Long, Long> late = new ConcurrentHashMap<>();
        List<RequestRecord> records = send(workload.requests(), bodies, late);
        lateById = late;
        return records;
    }

    /** Sends {@code requests[i]} with body tail {@code tails[i]} at its arrival time; fills in how late each sender left. */
    private List<RequestRecord> send(List<TraceRequest> requests, List<String> tails, Map<Long, Long> late) {
        // Let every sender thread reach its start line first: starting a few hundred platform threads on a busy
        // two-core machine takes far longer than 50 ms, and requests of the first seconds measured that as TTFT.
        long start = System.nanoTime() + 1_000_000_000L;
        List<Future<RequestRecord>> futures = new ArrayList<>();
        // Platform threads: a sender wakes at its arrival time from the OS timer, not when a carrier thread of the
        // virtual-thread scheduler (busy reading other streams on two cores) gets round to it, which read as TTFT.
        try (var pool = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon(true).name("validation-client-", 0).factory())) {
            for (int i = 0; i < requests.size(); i++) {
                TraceRequest r = requests.get(i);
                String body = tails.get(i);
                futures.add(pool.submit(() -> dispatchAndSend(body, r, start, late)));
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
    private RequestRecord dispatchAndSend(String bodyTail, TraceRequest r, long start, Map<Long, Long> lateById)
            throws IOException, InterruptedException {
        awaitArrival(start + r.arrivalNanos());
        // A sender woken late by a busy machine is the load generator's delay, not the cluster's: the request's
        // latencies count from when it was actually sent (its record keeps the intended arrival).
        long late = Math.max(0, System.nanoTime() - (start + r.arrivalNanos()));
        lateById.put(r.id(), late);
        String id = "r" + r.id();
        int target = dispatch(ScheduleRequest.of(id, r.promptTokens()));
        OpenAiServer server = servers.get(target);
        try {
            return send(server, Map.of(OpenAiServer.REQUEST_ID_HEADER, id), "{\"model\":\"" + server.servedModelName() + "\"," + bodyTail, r,
                    start + late, () -> release(id));
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
        return List.copyOf(lateById.values());
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
        return send(server, Map.of(), body, r, start, () -> { });
    }

    /** Sends at the request's arrival time; {@code onFirstToken} runs when the first token arrives. */
    private RequestRecord send(OpenAiServer server, Map<String, String> headers, String body, TraceRequest r, long start,
            Runnable onFirstToken)
            throws IOException, InterruptedException {
        long arrival = start + r.arrivalNanos();
        awaitArrival(arrival);
        long[] first = {-1};
        int[] chunks = {0};
        long[] done = {-1};
        clients.get(servers.indexOf(server)).post("/v1/completions", headers, body, line -> {
            if (done[0] >= 0 || !line.startsWith("data:")) {
                return;
            }
            if (line.contains("[DONE]")) {
                done[0] = System.nanoTime();
            } else if (line.contains("\"token_ids\":[") && !line.contains("\"token_ids\":[]")) {
                chunks[0]++;
                if (first[0] < 0) {
                    first[0] = System.nanoTime();
                    onFirstToken.run();
                }
            }
        });
        long finish = done[0] >= 0 ? done[0] : System.nanoTime();
        if (first[0] < 0) {
            throw new IOException("request " + r.id() + " streamed no tokens");
        }
        return new RequestRecord(r.id(), r.priority(), r.promptTokens(), Math.max(1, chunks[0]), arrival - start, first[0] - start,
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
        for (StreamingHttpClient c : clients) {
            c.close();
        }
    }
}
