package io.llumnix.llumlet.bench;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.EngineSnapshot;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.llumlet.Llumlet;
import io.llumnix.llumlet.LlumletConfig;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The destination side of {@link MigrationBenchmark}, run as a child JVM so that source and destination are
 * separate processes talking over loopback gRPC: an engine plus a llumlet on {@code 127.0.0.1}, and a line
 * protocol on stdin/stdout through which the benchmark follows migrated requests the way a gateway would.
 *
 * <p>Arguments: {@code --model SPEC --blocks N [--id ID]}. Prefix caching is off, so a recompute really
 * re-prefills every token. Protocol (one command or event per line, fields separated by single spaces):
 * <pre>
 *   peer → benchmark   READY llumletAddress
 *   benchmark → peer   ATTACH requestId fromIndex      peer → TOKEN requestId index tokenId … then END requestId kind
 *                                                         (or ATTACH_FAILED requestId)
 *   benchmark → peer   STATUS                          peer → STATUS usedBlocks running waiting
 *   benchmark → peer   QUIT (or end of stdin)          the peer exits
 * </pre>
 * Events are written by one writer thread so the engine's step thread never blocks on the pipe.
 */
public final class MigrationPeer {

    private final LinkedBlockingQueue<String> outbox = new LinkedBlockingQueue<>();
    private final LlmEngine engine;
    private final PrintStream stdout;

    private MigrationPeer(LlmEngine engine, PrintStream stdout) {
        this.engine = engine;
        this.stdout = stdout;
    }

    public static void main(String[] args) throws IOException {
        String model = null;
        int blocks = 0;
        String id = "dst";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--blocks" -> blocks = Integer.parseInt(args[i + 1]);
                case "--id" -> id = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; valid: --model, --blocks, --id");
            }
        }
        if (model == null || blocks <= 0) {
            throw new IllegalArgumentException("usage: MigrationPeer --model SPEC --blocks N [--id ID]");
        }
        // Our own stream on fd 1: nothing else in the process may write protocol lines.
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        LoadedModel loaded = ModelLoader.load(model, Optional.empty());
        EngineConfig config = EngineConfig.defaults(loaded.shape().maxSeqLen()).withNumKvBlocks(blocks).withPrefixCaching(false);
        try (LlmEngine engine = LlmEngine.start(id, config, loaded.newExecutor(blocks, config.blockSize()), loaded.tokenizer(),
                        Clock.system());
                Llumlet llumlet = Llumlet.start(engine, LlumletConfig.local(id, "peer://" + id), Clock.system())) {
            MigrationPeer peer = new MigrationPeer(engine, stdout);
            Thread writer = Thread.ofPlatform().daemon(true).name("peer-writer").start(peer::writeLoop);
            peer.emit("READY " + llumlet.address());
            peer.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
            peer.emit("");
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    private void serve(BufferedReader in) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.strip().split(" ");
            switch (f[0]) {
                case "ATTACH" -> attach(f[1], Integer.parseInt(f[2]));
                case "STATUS" -> {
                    EngineSnapshot s = engine.snapshot();
                    emit("STATUS " + s.numUsedBlocks() + " " + s.numRunning() + " " + s.numWaiting());
                }
                case "QUIT" -> {
                    return;
                }
                default -> System.err.println("MigrationPeer: ignoring unknown command: " + line);
            }
        }
    }

    private void attach(String requestId, int fromIndex) {
        RequestListener relay = event -> {
            switch (event) {
                case RequestEvent.Token t -> emit("TOKEN " + t.requestId() + " " + t.index() + " " + t.tokenId());
                case RequestEvent.Finished f -> emit("END " + f.requestId() + " " + f.reason());
                case RequestEvent.Failed f -> emit("END " + f.requestId() + " FAILED:" + f.code());
                case RequestEvent.Migrated m -> emit("END " + m.requestId() + " MIGRATED");
            }
        };
        if (!engine.attach(requestId, fromIndex, relay)) {
            emit("ATTACH_FAILED " + requestId);
        }
    }

    private void emit(String line) {
        outbox.add(line);
    }

    /** Drains the outbox to stdout, flushing whenever it runs dry; an empty line ends it. */
    private void writeLoop() {
        try {
            while (true) {
                String line = outbox.take();
                if (line.isEmpty()) {
                    stdout.flush();
                    return;
                }
                stdout.println(line);
                if (outbox.isEmpty()) {
                    stdout.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
