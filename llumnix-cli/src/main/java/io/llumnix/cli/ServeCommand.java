package io.llumnix.cli;

import io.llumnix.cms.RedisCmsConfig;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.model.SyntheticSpec;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.gateway.PromptTokenizer;
import io.llumnix.scheduler.SchedulerConfig;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix serve}: N engine instances as child processes behind the gateway, with an in-process scheduler
 * (full mode by default: by the instances' live status), the rescheduler (live migration), optional auto-scaling
 * ({@code --autoscale}) and a cluster meta store in memory or in Redis ({@code --redis}); see {@link ServeStack}. The gateway tokenizes with the served model's
 * tokenizer, follows live migrations and resumes a stream on another instance if its engine dies. Without
 * {@code --model} it serves the staged stories260K model, found relative to the repository root
 * ({@code LLUMNIX_HOME}, set by the {@code ./llumnix} script, else the working directory) with its {@code tok512.bin}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Starts N engine instances (child processes) behind the OpenAI-compatible gateway; stops them on exit.")
final class ServeCommand implements Callable<Integer> {

    static final String DEFAULT_MODEL = "../shared/models/stories260K/stories260K.bin";
    static final String DEFAULT_TOKENIZER_NAME = "tok512.bin";
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    @Option(names = "--instances", paramLabel = "N", defaultValue = "2", description = "Engine instances to run (default ${DEFAULT-VALUE}).")
    int instances = 2;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Interface of the front door (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "Port of the front door; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = 8000;

    @Option(names = "--model", paramLabel = "PATH|synthetic:SPEC",
            description = "Model of every instance (default: " + DEFAULT_MODEL + " under the repository root).")
    Optional<String> model = Optional.empty();

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer (default: " + DEFAULT_TOKENIZER_NAME + " beside the default model; none for an explicit --model).")
    Optional<Path> tokenizer = Optional.empty();

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "Model name clients send (default: the checkpoint's file name).")
    Optional<String> servedModelName = Optional.empty();

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Engine seed for requests without one (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--api-key-file", paramLabel = "PATH",
            description = "API keys the gateway accepts, one per line with optional name=, rpm=, tpm= (also env " + ApiKeys.ENV
                    + "); none: open.")
    Optional<Path> apiKeyFile = Optional.empty();

    @Option(names = "--max-queued", paramLabel = "N", defaultValue = "4096",
            description = "Requests that may wait for admission before the gateway answers 429 (default ${DEFAULT-VALUE}).")
    int maxQueued = 4096;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "1024",
            description = "Requests the gateway forwards at once; more wait in the admission queue (default ${DEFAULT-VALUE}).")
    int maxInFlight = 1024;

    @Option(names = "--redis", paramLabel = "HOST:PORT",
            description = "Keep the cluster meta store in this Redis: the children publish their status to it (default: in memory, "
                    + "the serve process pulls each child's status).")
    Optional<String> redis = Optional.empty();

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Mixin
    ServeSchedulingOptions scheduling = new ServeSchedulingOptions();

    @Mixin
    PdOptions pd = new PdOptions();

    @Mixin
    BatchOptions batch = new BatchOptions();

    @Option(names = "--pd-ratio", paramLabel = "P:D", defaultValue = "1:1",
            description = "With --pd-disagg-protocol: how the instances split into prefill and decode ones (default ${DEFAULT-VALUE}).")
    String pdRatio = "1:1";

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws InterruptedException {
        Running running = start(main.err());
        main.out().println("llumnix serve: " + running.fleet().instances().size() + " engine instances behind " + running.gateway().baseUrl());
        main.out().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("llumnix-serve-shutdown").unstarted(() -> {
            running.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** Launches the instances and the front door; the caller closes the result (which stops the children). */
    Running start(PrintStream log) throws InterruptedException {
        if (instances < 1) {
            throw new UserException("--instances must be at least 1, got " + instances);
        }
        GatewayConfig gatewayConfig;
        ApiKeys keys;
        try {
            gatewayConfig = GatewayConfig.defaults().withHost(host).withPort(port).withAdmission(maxInFlight, maxQueued)
                    .withPdDisagg(pd.mode());
            keys = ApiKeys.fromEnvironmentAndFile(apiKeyFile);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        List<String> args = new ArrayList<>(engineArgs());
        ServeStack.Control control = control(log);
        control.redis().ifPresent(r -> args.addAll(List.of("--cms-redis-host", r.host(), "--cms-redis-port", Integer.toString(r.port()),
                "--cms-push-status-interval-ms", Long.toString(control.pullInterval().toMillis()))));
        ModelCatalog catalog = catalog();
        List<io.llumnix.core.InferType> roles = pd.roles(instances, pdRatio);
        if (pd.enabled() && control.autoscale().isPresent()) {
            throw new UserException("--autoscale does not support --pd-disagg-protocol yet (it would add neutral instances)");
        }
        EngineFleet fleet = EngineFleet.launch(roles, args, log, STARTUP_TIMEOUT);
        Thread stopChildren = Thread.ofPlatform().unstarted(fleet::close);
        try {
            Runtime.getRuntime().addShutdownHook(stopChildren);
            ServeStack stack = new ServeStack(fleet, gatewayConfig, catalog, keys, control);
            batch.enable(stack.gateway(), stack);
            return new Running(fleet, stack, stopChildren);
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** The scheduler, rescheduler, auto-scaling and store flags, validated (one-line errors naming the flag). */
    ServeStack.Control control(PrintStream log) {
        scheduling.pdDisagg = pd.enabled();
        SchedulerConfig schedulerConfig = scheduling.schedulerConfig();
        Optional<RedisCmsConfig> redisConfig = redis.map(ServeCommand::parseRedis);
        return new ServeStack.Control(schedulerConfig, scheduling.reschedulingConfig(schedulerConfig),
                scheduling.autoscaleConfig(schedulerConfig, instances), redisConfig, scheduling.pullInterval(), STARTUP_TIMEOUT, log);
    }

    private static RedisCmsConfig parseRedis(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new IllegalArgumentException("--redis must be HOST:PORT, got '" + hostPort + "'");
            }
            return RedisCmsConfig.of(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new UserException("--redis must be HOST:PORT, got '" + hostPort + "'", e);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    /**
     * How the gateway tokenizes: with the served checkpoint's own tokenizer when there is one (exact ids, so a
     * failed stream can be resumed), else an estimate.
     */
    ModelCatalog catalog() {
        ModelChoice choice = modelChoice();
        int blockSize = engineOptions.blockSize.orElse(EngineConfig.DEFAULT_BLOCK_SIZE);
        if (SyntheticSpec.matches(choice.model()) || choice.tokenizer().isEmpty()) {
            return ModelCatalog.estimating();
        }
        LoadedModel loaded = ModelLoader.load(choice.model(), choice.tokenizer());
        int maxModelLen = engineOptions.maxModelLen.orElse(loaded.shape().maxSeqLen());
        return ModelCatalog.of(new ModelCatalog.Profile(PromptTokenizer.engine(loaded.tokenizer()), blockSize, maxModelLen));
    }

    private record ModelChoice(String model, Optional<Path> tokenizer) {}

    private ModelChoice modelChoice() {
        Path home = Path.of(Optional.ofNullable(System.getenv("LLUMNIX_HOME")).orElse("."));
        if (model.isPresent()) {
            String m = SyntheticSpec.matches(model.get()) ? model.get() : Path.of(model.get()).toAbsolutePath().normalize().toString();
            return new ModelChoice(m, tokenizer.map(p -> p.toAbsolutePath().normalize()));
        }
        Path defaultModel = home.resolve(DEFAULT_MODEL).toAbsolutePath().normalize();
        return new ModelChoice(defaultModel.toString(),
                Optional.of(tokenizer.orElse(defaultModel.resolveSibling(DEFAULT_TOKENIZER_NAME)).toAbsolutePath().normalize()));
    }

    /** The child engine flags: model, tokenizer, name, seed and the engine options that were set. */
    List<String> engineArgs() {
        Path home = Path.of(Optional.ofNullable(System.getenv("LLUMNIX_HOME")).orElse("."));
        List<String> args = new ArrayList<>();
        String modelArg;
        Optional<Path> tokenizerPath = tokenizer;
        if (model.isPresent()) {
            modelArg = model.get();
        } else {
            Path defaultModel = home.resolve(DEFAULT_MODEL).toAbsolutePath().normalize();
            modelArg = defaultModel.toString();
            if (tokenizerPath.isEmpty()) {
                tokenizerPath = Optional.of(defaultModel.resolveSibling(DEFAULT_TOKENIZER_NAME));
            }
        }
        if (!SyntheticSpec.matches(modelArg)) {
            Path p = Path.of(modelArg).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new UserException("--model: no such file: " + p + (model.isEmpty() ? " (set LLUMNIX_HOME or pass --model)" : ""));
            }
            modelArg = p.toString();
        }
        args.addAll(List.of("--model", modelArg));
        if (tokenizerPath.isPresent()) {
            ModelOptions.requireFile(tokenizerPath.get(), "--tokenizer");
            args.addAll(List.of("--tokenizer", tokenizerPath.get().toAbsolutePath().normalize().toString()));
        }
        servedModelName.ifPresent(n -> args.addAll(List.of("--served-model-name", n)));
        args.addAll(List.of("--seed", Long.toString(seed)));
        args.addAll(engineOptions.toArgs());
        return args;
    }

    /** A running serve: the children and the control plane in front of them. */
    record Running(EngineFleet fleet, ServeStack stack, Thread shutdownHook) implements AutoCloseable {

        Gateway gateway() {
            return stack.gateway();
        }

        List<URI> instanceUrls() {
            return fleet.instances().stream().map(EngineFleet.Instance::baseUrl).toList();
        }

        @Override
        public void close() {
            try {
                stack.close();
            } finally {
                fleet.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook is running or has run.
                }
            }
        }
    }
}
