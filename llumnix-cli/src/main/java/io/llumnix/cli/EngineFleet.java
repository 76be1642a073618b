package io.llumnix.cli;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.InferType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N {@code llumnix engine} child processes on free loopback ports: launched with the same Java and
 * classpath as this process, their output relayed line by line with an {@code [engine-i]} prefix, and
 * ready once each answers {@code /health}. Children follow this process out if it dies
 * ({@code --exit-with-parent}), and {@link #close()} stops them (SIGTERM, then SIGKILL after a grace period).
 * Auto-scaling adds children at runtime ({@link #addInstance}) and stops drained ones ({@link #stopInstance}).
 *
 * <p>Thread-safe.
 */
final class EngineFleet implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile(
            Pattern.quote(EngineCommand.SERVING_PREFIX) + "'(.*)' at (http://\\S+) \\(llumlet (\\S+) at ([^\\s,)]+)(?:, (neutral|prefill|decode))?\\)\\s*$");
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** How a child announced itself: its served model, HTTP base URL, its llumlet and its role. */
    record Announcement(String modelName, URI baseUrl, String instanceId, String llumletAddress, InferType inferType) {}

    /** One child engine. */
    record Instance(int index, Process process, String modelName, URI baseUrl, String instanceId, String llumletAddress,
            InferType inferType) {
        boolean alive() {
            return process.isAlive();
        }

        /** The port of the child's llumlet (gRPC), from its {@code host:port} address; 0 when it has none. */
        int llumletPort() {
            int colon = llumletAddress.lastIndexOf(':');
            try {
                return colon < 0 ? 0 : Integer.parseInt(llumletAddress.substring(colon + 1));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        long pid() {
            return process.pid();
        }
    }

    private final List<Instance> instances;
    private final List<String> engineArgs;
    private final PrintStream log;
    private final AtomicInteger nextIndex;
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    private EngineFleet(List<Instance> instances, List<String> engineArgs, PrintStream log) {
        this.instances = new CopyOnWriteArrayList<>(instances);
        this.engineArgs = List.copyOf(engineArgs);
        this.log = log;
        this.nextIndex = new AtomicInteger(instances.size());
        this.instances.forEach(this::watchExit);
    }

    private void watchExit(Instance i) {
        i.process().onExit().thenAccept(p -> {
            if (!closing && !stopping.contains(i.instanceId())) {
                logLine("llumnix serve: engine-" + i.index() + " (pid " + p.pid() + ") exited with code " + p.exitValue()
                        + "; routing around it");
            }
        });
    }

    /**
     * Starts one more child with the fleet's engine flags (auto-scaling) and waits until it is healthy; the fleet owns
     * it from then on.
     */
    Instance addInstance(Duration timeout) throws InterruptedException {
        if (closing) {
            throw new IllegalStateException("the fleet is closing");
        }
        int index = nextIndex.getAndIncrement();
        Process p;
        try {
            p = startChild(index, engineArgs);
        } catch (IOException e) {
            throw new UserException("cannot start an engine process: " + e.getMessage(), e);
        }
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            Announcement a = relayOutput(index, p, log).get(remaining(deadline), TimeUnit.NANOSECONDS);
            awaitHealthy(a.baseUrl(), deadline, p, index);
            Instance added = new Instance(index, p, a.modelName(), a.baseUrl(), a.instanceId(), a.llumletAddress(), a.inferType());
            instances.add(added);
            watchExit(added);
            if (closing) {
                stopAll(List.of(p));
            }
            return added;
        } catch (ExecutionException e) {
            stopAll(List.of(p));
            throw new UserException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            stopAll(List.of(p));
            throw new UserException("engine-" + index + " did not start within " + timeout.toSeconds() + " s");
        } catch (InterruptedException | RuntimeException e) {
            stopAll(List.of(p));
            throw e;
        }
    }

    /** Stops one child (SIGTERM, then SIGKILL after the grace period) and forgets it; false if there is no such child. */
    boolean stopInstance(String instanceId) {
        Optional<Instance> found = instances.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
        if (found.isEmpty()) {
            return false;
        }
        stopping.add(instanceId);
        stopAll(List.of(found.get().process()));
        instances.remove(found.get());
        return true;
    }

    /**
     * Starts {@code count} engines with {@code engineArgs} (the {@code engine} subcommand's flags, minus
     * host and port) and waits until all are healthy or {@code timeout} passes.
     */
    static EngineFleet launch(int count, List<String> engineArgs, PrintStream log, Duration timeout) throws InterruptedException {
        return launch(java.util.Collections.nCopies(count, InferType.NEUTRAL), engineArgs, log, timeout);
    }

    /** As {@link #launch(int, List, PrintStream, Duration)}, one child per entry of {@code roles} with that role. */
    static EngineFleet launch(List<InferType> roles, List<String> engineArgs, PrintStream log, Duration timeout) throws InterruptedException {
        requireNonNull(log, "log is null");
        int count = roles.size();
        List<Process> processes = new ArrayList<>();
        List<CompletableFuture<Announcement>> urls = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Process p = startChild(i, withRole(engineArgs, roles.get(i)));
                processes.add(p);
                urls.add(relayOutput(i, p, log));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Announcement a = urls.get(i).get(remaining(deadline), TimeUnit.NANOSECONDS);
                awaitHealthy(a.baseUrl(), deadline, processes.get(i), i);
                instances.add(new Instance(i, processes.get(i), a.modelName(), a.baseUrl(), a.instanceId(), a.llumletAddress(), a.inferType()));
            }
            return new EngineFleet(instances, engineArgs, log);
        } catch (IOException e) {
            stopAll(processes);
            throw new UserException("cannot start an engine process: " + e.getMessage(), e);
        } catch (ExecutionException e) {
            stopAll(processes);
            throw new UserException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            stopAll(processes);
            throw new UserException("engine instances did not start within " + timeout.toSeconds() + " s");
        } catch (InterruptedException | RuntimeException e) {
            stopAll(processes);
            throw e;
        }
    }

    private static List<String> withRole(List<String> engineArgs, InferType role) {
        if (role == InferType.NEUTRAL) {
            return engineArgs;
        }
        List<String> args = new ArrayList<>(engineArgs);
        args.addAll(List.of("--instance-type", role.name().toLowerCase(Locale.ROOT)));
        return args;
    }

    private static Process startChild(int index, List<String> engineArgs) throws IOException {
        List<String> command = new ArrayList<>(javaCommand());
        command.addAll(List.of("engine", "--host", "127.0.0.1", "--port", "0", "--exit-with-parent", "--instance-id", "engine-" + index));
        command.addAll(engineArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** The children now (a copy: auto-scaling adds and removes them). */
    List<Instance> instances() {
        return List.copyOf(instances);
    }

    List<Instance> liveInstances() {
        return instances.stream().filter(Instance::alive).toList();
    }

    @Override
    public void close() {
        closing = true;
        stopAll(instances().stream().map(Instance::process).toList());
    }

    private static void stopAll(List<Process> processes) {
        for (Process p : processes) {
            p.destroy();
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : processes) {
            try {
                if (!p.waitFor(Math.max(0, remaining(deadline)), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** This JVM's executable, its flags that matter to the engine, and its classpath, then the main class. */
    static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }

    private static CompletableFuture<Announcement> relayOutput(int index, Process process, PrintStream log) {
        CompletableFuture<Announcement> url = new CompletableFuture<>();
        Thread.ofVirtual().name("engine-" + index + "-output").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (log) {
                        log.println("[engine-" + index + "] " + line);
                    }
                    Matcher m = SERVING.matcher(line);
                    if (!url.isDone() && m.find()) {
                        InferType type = m.group(5) == null ? InferType.NEUTRAL : InferType.valueOf(m.group(5).toUpperCase(Locale.ROOT));
                        url.complete(new Announcement(m.group(1), URI.create(m.group(2)), m.group(3), m.group(4), type));
                    }
                }
            } catch (IOException e) {
                // The stream closes when the child exits; nothing more to relay.
            }
            if (!url.isDone()) {
                int code;
                try {
                    code = process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    code = -1;
                }
                url.completeExceptionally(new UserException("engine-" + index + " exited with code " + code + " before listening (see its output above)"));
            }
        });
        return url;
    }

    private static void awaitHealthy(URI baseUrl, long deadline, Process process, int index) throws InterruptedException, TimeoutException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest health = HttpRequest.newBuilder(baseUrl.resolve("/health")).timeout(Duration.ofSeconds(2)).GET().build();
            while (true) {
                if (!process.isAlive()) {
                    throw new UserException("engine-" + index + " exited with code " + process.exitValue() + " while starting");
                }
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not up yet
                }
                if (remaining(deadline) <= 0) {
                    throw new TimeoutException();
                }
                Thread.sleep(100);
            }
        }
    }

    private static long remaining(long deadline) {
        return deadline - System.nanoTime();
    }

    private void logLine(String line) {
        synchronized (log) {
            log.println(line);
        }
    }
}
