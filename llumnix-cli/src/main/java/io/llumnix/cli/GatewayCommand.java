package io.llumnix.cli;

import io.llumnix.cms.CmsDiscovery;
import io.llumnix.cms.InstanceDiscovery;
import io.llumnix.cms.InstanceMetadata;
import io.llumnix.cms.ReadResult;
import io.llumnix.cms.RedisClusterMetaStore;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.LlumnixException;
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.gateway.ApiKeys;
import io.llumnix.gateway.BackendDirectory;
import io.llumnix.gateway.Gateway;
import io.llumnix.gateway.GatewayConfig;
import io.llumnix.gateway.ModelCatalog;
import io.llumnix.gateway.PromptTokenizer;
import io.llumnix.gateway.TrafficPolicy;
import io.llumnix.gateway.tokenize.HfTokenizer;
import io.llumnix.scheduler.service.HttpSchedulerClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code llumnix gateway}: the OpenAI-compatible front door as a process of its own (multi-process mode). Every
 * request is placed by a remote {@code llumnix scheduler} ({@link HttpSchedulerClient}); its decision carries the
 * chosen instance's metadata (host and API port), so the gateway needs no instance list to forward. It keeps one
 * anyway for the model list, {@code /health} and the round robin it falls back to while the scheduler is
 * unreachable: the instances in the Redis cluster meta store ({@code --redis}) or a static {@code --backends} list.
 * Prints {@code llumnix gateway: serving at URL}; runs until SIGINT or SIGTERM.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Runs the OpenAI-compatible gateway in front of a 'llumnix scheduler' until SIGINT/SIGTERM.")
final class GatewayCommand implements Callable<Integer> {

    static final String SERVING_PREFIX = "llumnix gateway: serving at ";

    @Option(names = "--scheduler-url", paramLabel = "URL", required = true, description = "The scheduler service, e.g. http://127.0.0.1:8100.")
    URI schedulerUrl;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = 8000;

    @Option(names = "--redis", paramLabel = "HOST:PORT",
            description = "Discover the instances (model list, health, fallback while the scheduler is down) in this Redis cluster meta store.")
    Optional<String> redis = Optional.empty();

    @Option(names = "--backends", paramLabel = "URL", split = ",",
            description = "Static instance list instead of --redis: engine base URLs, comma separated.")
    List<URI> backends = new ArrayList<>();

    @Option(names = "--served-model-name", paramLabel = "NAME", defaultValue = "",
            description = "Model name of the --backends instances, for the model list (default: none).")
    String servedModelName = "";

    @Option(names = "--model", paramLabel = "PATH",
            description = "Checkpoint of the served model, read for its tokenizer and context length (exact token counts; resumable streams). "
                    + "Without it the gateway estimates token counts.")
    Optional<String> model = Optional.empty();

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer of --model (llama2.c tokenizer.bin).")
    Optional<Path> tokenizer = Optional.empty();

    @Option(names = "--tokenizer-json", paramLabel = "MODEL=PATH",
            description = "Hugging Face tokenizer.json (BPE) of served model MODEL, for the exact prompt token counts and prefix hashes of "
                    + "vLLM/SGLang-style backends; repeatable, one per model.")
    Map<String, Path> tokenizerJson = new LinkedHashMap<>();

    @Option(names = "--block-size", paramLabel = "N", description = "The engines' KV block size (default " + EngineConfig.DEFAULT_BLOCK_SIZE + ").")
    Optional<Integer> blockSize = Optional.empty();

    @Option(names = "--api-key-file", paramLabel = "PATH",
            description = "API keys the gateway accepts, one per line with optional name=, rpm=, tpm= (also env " + ApiKeys.ENV + "); none: open.")
    Optional<Path> apiKeyFile = Optional.empty();

    @Option(names = "--max-queued", paramLabel = "N", defaultValue = "4096",
            description = "Requests that may wait for admission before the gateway answers 429 (default ${DEFAULT-VALUE}).")
    int maxQueued = 4096;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "1024",
            description = "Requests the gateway forwards at once; more wait in the admission queue (default ${DEFAULT-VALUE}).")
    int maxInFlight = 1024;

    @Option(names = "--gateway-id", paramLabel = "ID", description = "This gateway's id at the scheduler (default: gateway-<pid>).")
    Optional<String> gatewayId = Optional.empty();

    @Option(names = "--internal-auth-token", paramLabel = "TOKEN", defaultValue = "",
            description = "Token the scheduler requires ('llumnix scheduler --internal-auth-token'; default: none).")
    String internalAuthToken = "";

    @picocli.CommandLine.Mixin
    PdOptions pd = new PdOptions();

    @picocli.CommandLine.Mixin
    BatchOptions batch = new BatchOptions();

    @picocli.CommandLine.Mixin
    TrafficOptions traffic = new TrafficOptions();

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws InterruptedException {
        Running running = start();
        main.out().println(SERVING_PREFIX + running.gateway().baseUrl() + " (scheduler " + schedulerUrl + ")");
        main.out().flush();
        SchedulerCommand.awaitShutdown(running, "llumnix-gateway-shutdown");
        return 0;
    }

    /** Starts the gateway; the caller closes the result. */
    Running start() {
        if (redis.isPresent() && !backends.isEmpty()) {
            throw new UserException("--redis and --backends are exclusive");
        }
        if (tokenizer.isPresent() && model.isEmpty()) {
            throw new UserException("--tokenizer needs --model (the gateway reads the model's context length)");
        }
        if (schedulerUrl.getScheme() == null || schedulerUrl.getHost() == null) {
            throw new UserException("--scheduler-url must be an http URL, got '" + schedulerUrl + "'");
        }
        GatewayConfig config;
        ApiKeys keys;
        try {
            config = GatewayConfig.defaults().withHost(host).withPort(port).withAdmission(maxInFlight, maxQueued).withPdDisagg(pd.mode());
            keys = ApiKeys.fromEnvironmentAndFile(apiKeyFile);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        ModelCatalog catalog = catalog();
        TrafficPolicy trafficPolicy = traffic.policy(config.idleTimeout());
        if (backends.isEmpty() && redis.isEmpty()) {
            staticInstances.addAll(traffic.poolInstances(trafficPolicy, servedModelName));
        }
        RedisClusterMetaStore store = redis.map(r -> new RedisClusterMetaStore(ClusterControl.parseRedis("--redis", r))).orElse(null);
        DiscoveryLoop discovery = store == null ? null : new DiscoveryLoop(new CmsDiscovery(store), ServeStack.REGISTER_INTERVAL);
        BackendDirectory directory = discovery != null ? BackendDirectory.dynamic(discovery::instances) : BackendDirectory.of(staticBackends());
        HttpSchedulerClient client = new HttpSchedulerClient(schedulerUrl, gatewayId.orElse("gateway-" + ProcessHandle.current().pid()),
                internalAuthToken, Duration.ofSeconds(2), Duration.ofSeconds(5));
        try {
            Running running = new Running(Gateway.start(config, client, directory, catalog, keys, Clock.system()), client, discovery, store);
            batch.enable(running.gateway(), running);
            if (traffic.configured()) {
                running.gateway().manageTraffic(trafficPolicy);
            }
            return running;
        } catch (LlumnixException e) {
            client.close();
            if (discovery != null) {
                discovery.close();
            }
            if (store != null) {
                store.close();
            }
            throw new UserException(String.valueOf(e.getMessage()), e);
        }
    }

    /** Instances named by flags other than --backends (the pools' URLs when there is no other list). */
    private final List<InstanceMetadata> staticInstances = new ArrayList<>();

    private List<InstanceMetadata> staticBackends() {
        List<InstanceMetadata> list = new ArrayList<>(staticInstances);
        for (URI b : backends) {
            if (b.getHost() == null || b.getPort() < 0) {
                throw new UserException("--backends: '" + b + "' is not http://HOST:PORT");
            }
            list.add(new InstanceMetadata("backend-" + list.size(), b.getHost(), b.getPort(), 0, InferType.NEUTRAL, "", "", servedModelName, 0, 0,
                    ""));
        }
        return list;
    }

    ModelCatalog catalog() {
        ModelCatalog catalog = engineCatalog();
        int blocks = blockSize.orElse(EngineConfig.DEFAULT_BLOCK_SIZE);
        for (Map.Entry<String, Path> e : tokenizerJson.entrySet()) {
            ModelOptions.requireFile(e.getValue(), "--tokenizer-json");
            try {
                catalog = catalog.with(e.getKey(), new ModelCatalog.Profile(PromptTokenizer.huggingFace(HfTokenizer.load(e.getValue())), blocks));
            } catch (IllegalArgumentException ex) {
                throw new UserException("--tokenizer-json " + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        return catalog;
    }

    private ModelCatalog engineCatalog() {
        if (model.isEmpty()) {
            return ModelCatalog.estimating();
        }
        String m = Path.of(model.get()).toAbsolutePath().normalize().toString();
        tokenizer.ifPresent(t -> ModelOptions.requireFile(t, "--tokenizer"));
        if (tokenizer.isEmpty()) {
            return ModelCatalog.estimating();
        }
        LoadedModel loaded = ModelLoader.load(m, tokenizer.map(p -> p.toAbsolutePath().normalize()));
        return ModelCatalog.of(new ModelCatalog.Profile(PromptTokenizer.engine(loaded.tokenizer()),
                blockSize.orElse(EngineConfig.DEFAULT_BLOCK_SIZE), loaded.shape().maxSeqLen()));
    }

    /**
     * Reads the discovery on a thread of its own every {@code period}: the gateway asks its directory on the event
     * loop, which must not wait on Redis. While the store is unavailable the last list stays in force.
     */
    static final class DiscoveryLoop implements AutoCloseable {
        private final InstanceDiscovery discovery;
        private final ScheduledExecutorService loop;
        private volatile List<InstanceMetadata> last = List.of();

        DiscoveryLoop(InstanceDiscovery discovery, Duration period) {
            this.discovery = discovery;
            readQuietly();
            this.loop = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("llumnix-gateway-discovery").unstarted(r));
            loop.scheduleWithFixedDelay(this::readQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }

        List<InstanceMetadata> instances() {
            return last;
        }

        private void readQuietly() {
            try {
                if (discovery.discover() instanceof ReadResult.Ok<List<InstanceMetadata>> ok) {
                    last = List.copyOf(ok.value());
                }
            } catch (RuntimeException e) {
                // Keep the last list; the next tick tries again.
            }
        }

        @Override
        public void close() {
            loop.shutdownNow();
        }
    }

    /** A running gateway and what it does not own. */
    record Running(Gateway gateway, HttpSchedulerClient client, @Nullable DiscoveryLoop discovery, @Nullable RedisClusterMetaStore store)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                gateway.close();
            } finally {
                client.close();
                if (discovery != null) {
                    discovery.close();
                }
                if (store != null) {
                    store.close();
                }
            }
        }
    }
}
