package io.llumnix.cli;

import io.llumnix.cms.ClusterMetaStore;
import io.llumnix.cms.RedisClusterMetaStore;
import io.llumnix.cms.RedisCmsConfig;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import io.llumnix.llumlet.Llumlet;
import io.llumnix.llumlet.LlumletConfig;
import io.llumnix.llumlet.MigrationConfig;
import io.llumnix.llumlet.PdHandoff;
import io.llumnix.llumlet.StatusPublisher;
import io.llumnix.llumlet.StatusPublisherConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llumnix engine}: one engine instance behind the OpenAI-compatible {@link OpenAiServer}, with its
 * {@link Llumlet} (migrations in and out, status) beside it, until SIGINT or SIGTERM. Prints
 * {@code llumnix engine: serving 'NAME' at URL (llumlet ID at HOST:PORT, TYPE)} once listening ({@code serve}
 * reads that line from its children).
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Runs one engine instance behind an OpenAI-compatible HTTP server until SIGINT/SIGTERM.")
final class EngineCommand implements Callable<Integer> {

    static final String SERVING_PREFIX = "llumnix engine: serving ";
    private static final int DECODE_MIGRATE_IN_SLOTS = 16;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(names = "--host", paramLabel = "HOST", defaultValue = OpenAiServerConfig.DEFAULT_HOST, description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host = OpenAiServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = 8000;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name clients send (default: the checkpoint's file name without extension).")
    Optional<String> servedModelName = Optional.empty();

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seeds requests that bring no seed of their own (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--instance-id", paramLabel = "ID", description = "This instance's id in the cluster (default: engine-<pid>).")
    Optional<String> instanceId = Optional.empty();

    @Option(names = "--instance-type", paramLabel = "TYPE", defaultValue = "neutral", converter = InstanceTypeConverter.class,
            description = "This instance's role: neutral, or prefill / decode for prefill-decode disaggregation (default ${DEFAULT-VALUE}).")
    InferType instanceType = InferType.NEUTRAL;

    @Option(names = "--llumlet-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the llumlet's gRPC service (migrations, status); 0 picks a free one (default ${DEFAULT-VALUE}).")
    int llumletPort;

    @Option(names = "--cms-redis-host", paramLabel = "HOST",
            description = "Publish this instance's metadata and status to the Redis cluster meta store on HOST (default: publish nothing; "
                    + "the scheduler polls the llumlet).")
    Optional<String> cmsRedisHost = Optional.empty();

    @Option(names = "--cms-redis-port", paramLabel = "PORT", defaultValue = "6379", description = "Port of that Redis (default ${DEFAULT-VALUE}).")
    int cmsRedisPort = 6379;

    @Option(names = "--cms-push-status-interval-ms", paramLabel = "MS", defaultValue = "40",
            description = "With --cms-redis-host: publish a status at most this often after load-changing steps (default ${DEFAULT-VALUE}).")
    long cmsPushStatusIntervalMs = 40;

    @Option(names = "--exit-with-parent", hidden = true, description = "Exit when the parent process exits (used by serve).")
    boolean exitWithParent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Running running = start();
        PrintWriter out = spec.commandLine().getOut();
        out.println(SERVING_PREFIX + "'" + running.server().servedModelName() + "' at " + running.server().baseUrl() + " (llumlet "
                + running.llumlet().instanceId() + " at " + running.llumlet().address() + ", "
                + instanceType.name().toLowerCase(java.util.Locale.ROOT) + ")");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("llumnix-engine-shutdown").unstarted(() -> {
            running.close();
            stopped.countDown();
        }));
        if (exitWithParent) {
            // An orphaned engine would hold its port and memory forever; follow the parent out.
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        }
        stopped.await();
        return 0;
    }

    /** Loads the model and starts engine, server and llumlet; the caller closes the result. */
    Running start() {
        LoadedModel model = modelOptions.load();
        EngineConfig config = engineOptions.toConfig(model.shape(), seed);
        String name = servedModelName.orElse(model.defaultServedName());
        OpenAiServerConfig serverConfig = OpenAiServerConfig.of(name, port).withHost(host);
        if (llumletPort < 0 || llumletPort > 65535) {
            throw new UserException("--llumlet-port must be in 0..65535, got " + llumletPort);
        }
        String id = instanceId.orElse("engine-" + ProcessHandle.current().pid());
        if (id.isBlank()) {
            throw new UserException("--instance-id must not be blank");
        }
        LlmEngine engine = EngineStarter.start(model, name, config, engineOptions.minStepNanos());
        OpenAiServer server = null;
        try {
            server = OpenAiServer.start(engine, serverConfig);
            Llumlet llumlet = Llumlet.start(engine, new LlumletConfig(id, host, llumletPort, server.baseUrl(), instanceType, "", "",
                    migrationConfig()), Clock.system());
            server.handoffHandler(new PdHandoff(llumlet, line -> System.err.println("llumnix engine: " + line)));
            try {
                return new Running(engine, server, llumlet, startPublisher(llumlet, java.net.URI.create(server.baseUrl()).getPort()));
            } catch (RuntimeException e) {
                llumlet.close();
                throw e;
            }
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            engine.close();
            throw e;
        }
    }

    /** A decode instance takes every request of its prefill instances in: it gets more migrate-in slots. */
    private MigrationConfig migrationConfig() {
        MigrationConfig d = MigrationConfig.defaults();
        return instanceType == InferType.DECODE ? d.withSlots(d.migrateOutSlots(), DECODE_MIGRATE_IN_SLOTS) : d;
    }

    /** With {@code --cms-redis-host}: a status publisher into that Redis (it owns its store connection via {@link Publishing}). */
    private Optional<Publishing> startPublisher(Llumlet llumlet, int apiPort) {
        if (cmsRedisHost.isEmpty()) {
            return Optional.empty();
        }
        RedisClusterMetaStore store;
        StatusPublisherConfig config;
        try {
            config = StatusPublisherConfig.defaults().withPushStatusInterval(Duration.ofMillis(cmsPushStatusIntervalMs));
            store = new RedisClusterMetaStore(RedisCmsConfig.of(cmsRedisHost.get(), cmsRedisPort));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        return Optional.of(new Publishing(StatusPublisher.start(llumlet, llumlet.metadata(apiPort), store, config, Clock.system()), store));
    }

    /** A status publisher and the store it writes to. */
    record Publishing(StatusPublisher publisher, ClusterMetaStore store) implements AutoCloseable {
        @Override
        public void close() {
            try {
                publisher.close();
            } finally {
                store.close();
            }
        }
    }

    /** A started engine, its server, its llumlet and (with Redis) its status publisher. */
    record Running(LlmEngine engine, OpenAiServer server, Llumlet llumlet, Optional<Publishing> publishing) implements AutoCloseable {
        @Override
        public void close() {
            publishing.ifPresent(Publishing::close);
            llumlet.close();
            server.close();
            engine.close();
        }
    }
}
