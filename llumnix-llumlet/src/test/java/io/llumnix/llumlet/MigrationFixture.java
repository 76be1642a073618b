package io.llumnix.llumlet;

import io.llumnix.core.Clock;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.RequestEvent;
import io.llumnix.engine.RequestListener;
import io.llumnix.engine.SharedAssets;
import io.llumnix.engine.exec.PacedExecutor;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Two stories260K engines with their llumlets on loopback, and a client that follows migrations. */
final class MigrationFixture {

    private static LoadedModel model;

    static synchronized LoadedModel model() {
        if (model == null) {
            Path dir = SharedAssets.storiesDir();
            model = ModelLoader.load(dir.resolve("stories260K.bin").toString(), Optional.of(dir.resolve("tok512.bin")));
        }
        return model;
    }

    static EngineConfig config(int blocks, int maxBatchedTokens) {
        return EngineConfig.defaults(model().shape().maxSeqLen()).withNumKvBlocks(blocks).withMaxNumBatchedTokens(maxBatchedTokens);
    }

    static LlmEngine engine(String name, EngineConfig config) {
        LoadedModel m = model();
        return LlmEngine.start(name, config, new PacedExecutor(m.newExecutor(config.numKvBlocks(), config.blockSize()), 2_000_000L),
                m.tokenizer(), Clock.system());
    }

    static Llumlet llumlet(LlmEngine engine, String id, MigrationConfig migration) {
        return Llumlet.start(engine, LlumletConfig.local(id, "http://" + id).withMigration(migration), Clock.system());
    }

    static void awaitIdle(LlmEngine engine) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            var s = engine.snapshot();
            if (s.numUsedBlocks() == 0 && s.numRunning() == 0 && s.numWaiting() == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("engine " + engine.servedModelName() + " did not drain or leaked blocks: " + s);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * A client of one request that follows it across migrations: on {@code Migrated} it re-attaches to the
     * destination engine (looked up by instance id) from the announced index, as a gateway does.
     */
    static final class FollowingClient implements RequestListener {
        private final java.util.Map<String, LlmEngine> engines;
        final List<Integer> tokens = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<RequestEvent> done = new CompletableFuture<>();
        int migrations;
        private volatile java.util.function.IntConsumer onToken = i -> {};

        FollowingClient(java.util.Map<String, LlmEngine> engines) {
            this.engines = engines;
        }

        void onToken(java.util.function.IntConsumer c) {
            this.onToken = c;
        }

        @Override
        public synchronized void onEvent(RequestEvent event) {
            switch (event) {
                case RequestEvent.Token t -> {
                    if (t.index() != tokens.size()) {
                        done.completeExceptionally(new AssertionError("got token index " + t.index() + " after " + tokens.size()));
                        return;
                    }
                    tokens.add(t.tokenId());
                    text.append(t.text());
                    onToken.accept(t.index());
                }
                case RequestEvent.Migrated m -> {
                    migrations++;
                    if (m.nextIndex() != tokens.size()) {
                        done.completeExceptionally(new AssertionError("migrated at " + m.nextIndex() + " but have " + tokens.size()));
                        return;
                    }
                    LlmEngine dst = engines.get(m.dstInstanceId());
                    if (dst == null || !dst.attach(m.requestId(), m.nextIndex(), this)) {
                        done.completeExceptionally(new AssertionError("cannot re-attach to " + m));
                    }
                }
                case RequestEvent.Finished f -> {
                    text.append(f.text());
                    done.complete(f);
                }
                case RequestEvent.Failed f -> done.complete(f);
            }
        }

        RequestEvent await() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }

        synchronized int[] tokenArray() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
