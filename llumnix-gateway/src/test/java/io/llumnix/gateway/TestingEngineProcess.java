package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real stories260K engine in a child JVM ({@link TestingEngineMain}), killable with SIGKILL. */
final class TestingEngineProcess implements AutoCloseable {

    private final String id;
    private final Process process;
    private final URI baseUrl;

    private TestingEngineProcess(String id, Process process, URI baseUrl) {
        this.id = id;
        this.process = process;
        this.baseUrl = baseUrl;
    }

    static TestingEngineProcess start(String id, long minStepNanos) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                TestingEngineMain.class.getName(), Long.toString(minStepNanos))).redirectErrorStream(true).start();
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("LISTENING ")) {
                        url.complete(URI.create(line.substring(10).strip()));
                    } else if (!line.contains("WARNING")) {
                        System.err.println("[" + id + "] " + line);
                    }
                }
            } catch (IOException e) {
                // the child exited
            }
            String code;
            try {
                code = Integer.toString(p.waitFor());
            } catch (InterruptedException e) {
                code = "unknown";
            }
            url.completeExceptionally(new IllegalStateException(id + " exited with code " + code + " before listening"));
        });
        try {
            return new TestingEngineProcess(id, p, url.get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("engine " + id + " did not start", e);
        }
    }

    String id() {
        return id;
    }

    URI baseUrl() {
        return baseUrl;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The instance as a directory or scheduler lists it. */
    InstanceMetadata metadata() {
        return new InstanceMetadata(id, baseUrl.getHost(), baseUrl.getPort(), 0, io.llumnix.core.InferType.NEUTRAL, "", "node-" + id,
                "stories260K", 0, 0, "");
    }

    /** SIGKILL: no goodbye, sockets reset by the kernel. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
