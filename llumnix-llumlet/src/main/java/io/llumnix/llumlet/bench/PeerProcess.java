package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MigrationPeer} child JVM seen from the benchmark: starts it with this JVM's java binary and class
 * path, learns its llumlet address, relays re-attached requests' tokens to {@link RemoteFollower}s, and kills
 * it on {@link #close()} or, failing that, from a shutdown hook.
 *
 * <p>Thread-safe: commands are written under a lock; one reader thread delivers events.
 */
final class PeerProcess implements AutoCloseable {

    /** Receives one re-attached request's events on the reader thread, stamped with their arrival time. */
    interface RemoteFollower {
        void onRemoteToken(int index, int tokenId, long receivedNanos);

        void onRemoteEnd(String kind);
    }

    /** The peer engine's KV and queue state. */
    record Status(int usedBlocks, int running, int waiting) {}

    private final Process process;
    private final Thread shutdownHook;
    private final Writer commands;
    private final Map<String, RemoteFollower> followers = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Status> statusReplies = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final String address;

    private PeerProcess(Process process, Thread shutdownHook, Duration startTimeout) {
        this.process = process;
        this.shutdownHook = shutdownHook;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon(true).name("migration-peer-reader").start(this::readLoop);
        try {
            this.address = ready.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the migration peer did not start within " + startTimeout.toSeconds() + " s: " + e, e);
        }
    }

    /**
     * Starts a peer serving {@code modelSpec} with {@code numKvBlocks} KV blocks and waits until it listens.
     *
     * @throws IllegalStateException if it does not report its address in time
     */
    static PeerProcess start(String modelSpec, int numKvBlocks, Duration startTimeout) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>(List.of(java,
                "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx" + Math.max(512, Runtime.getRuntime().maxMemory() >> 20) + "m",
                "-cp", System.getProperty("java.class.path"),
                MigrationPeer.class.getName(),
                "--model", modelSpec,
                "--blocks", Integer.toString(numKvBlocks)));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the migration peer " + cmd.getFirst() + ": " + e.getMessage(), e);
        }
        Thread hook = new Thread(p::destroyForcibly, "migration-peer-killer");
        Runtime.getRuntime().addShutdownHook(hook);
        return new PeerProcess(p, hook, startTimeout);
    }

    /** The peer llumlet's gRPC address. */
    String address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    /** Re-attaches to a request that migrated to the peer, from token {@code fromIndex} on. */
    void attach(String requestId, int fromIndex, RemoteFollower follower) {
        followers.put(requestId, requireNonNull(follower, "follower is null"));
        send("ATTACH " + requestId + " " + fromIndex);
    }

    /** The peer engine's state after its latest step. */
    Status status(Duration timeout) {
        statusReplies.clear();
        send("STATUS");
        try {
            Status s = statusReplies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) {
                throw new IllegalStateException("the migration peer did not answer STATUS within " + timeout.toMillis() + " ms");
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void send(String line) {
        synchronized (commands) {
            try {
                commands.write(line);
                commands.write('\n');
                commands.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("the migration peer (pid " + process.pid() + ") is gone: " + e.getMessage(), e);
            }
        }
    }

    private void readLoop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                long now = System.nanoTime();
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "READY" -> ready.complete(f[1]);
                    case "TOKEN" -> {
                        RemoteFollower r = followers.get(f[1]);
                        if (r != null) {
                            r.onRemoteToken(Integer.parseInt(f[2]), Integer.parseInt(f[3]), now);
                        }
                    }
                    case "END" -> {
                        RemoteFollower r = followers.remove(f[1]);
                        if (r != null) {
                            r.onRemoteEnd(f[2]);
                        }
                    }
                    case "ATTACH_FAILED" -> {
                        RemoteFollower r = followers.remove(f[1]);
                        if (r != null) {
                            r.onRemoteEnd("ATTACH_FAILED");
                        }
                    }
                    case "STATUS" -> statusReplies.add(new Status(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
                    default -> System.err.println("migration peer: unexpected line: " + line);
                }
            }
        } catch (IOException | RuntimeException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("the migration peer exited with its output closed"));
        followers.values().forEach(r -> r.onRemoteEnd("PEER_EXITED"));
        followers.clear();
    }

    @Override
    public void close() {
        try {
            send("QUIT");
        } catch (UncheckedIOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }
}
