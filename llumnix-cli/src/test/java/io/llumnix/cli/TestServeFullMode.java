package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import java.io.ByteArrayOutputStream;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code llumnix serve} in full mode with real child engines: the scheduler reads the children's status pulled from
 * their llumlets, the rescheduler migrates between them over gRPC, clients follow through the gateway, and
 * {@code --autoscale} starts and drains children on the advisor's advice.
 */
@Tag("slow")
@Timeout(120)
class TestServeFullMode {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Pattern FOLLOWED = Pattern.compile("llumnix_gateway_migrations_followed(?:_total)?(?:\\{[^}]*})? ([0-9.]+)");
    static final String[] PROMPTS = {"Once upon a time", "Lily and Tom", "The little dog", "One day, a girl", "Tim had a red ball",
            "The sun was", "A big cat", "Sam wanted to"};

    @Test
    void flood_thenNeutralLoadRescheduling_migratesThroughTheGateway_andOutputsMatchASingleInstance() throws Exception {
        int maxTokens = 300;
        List<String> expected = reference(maxTokens);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);
        ServeCommand serve = parse(logStream, "serve", "--instances", "3", "--port", "0", "--model", StoriesFixture.checkpoint(),
                "--tokenizer", StoriesFixture.tokenizer(), "--min-step-ms", "5", "--scheduling-policy", "flood",
                "--rescheduling-policies", "neutral_load", "--rescheduling-interval-ms", "100", "--rescheduling-neutral-load-metric",
                "num_requests", "--rescheduling-neutral-load-threshold", "1000", "--rescheduling-req-select-rule", "NUM_REQ",
                "--rescheduling-req-select-value", "2", "--rescheduling-load-balance-threshold", "1");
        try (HttpClient http = HttpClient.newHttpClient(); ServeCommand.Running running = serve.start(logStream)) {
            awaitUntil("every child reports status", Duration.ofSeconds(10),
                    () -> running.stack().scheduler().snapshot().instances().stream().filter(v -> v.status().isPresent()).count() == 3);
            String front = running.gateway().baseUrl();
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (String p : PROMPTS) {
                streams.add(http.sendAsync(post(front + "/v1/completions", body(p, maxTokens, true)), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < PROMPTS.length; i++) {
                HttpResponse<String> r = streams.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(streamedText(r.body())).as("output of '%s'", PROMPTS[i]).isEqualTo(expected.get(i));
            }
            assertThat(running.stack().requestsMigrated()).as("requests the rescheduler migrated").isPositive();
            String metrics = http.send(HttpRequest.newBuilder(URI.create(front + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = FOLLOWED.matcher(metrics);
            assertThat(m.find()).as(metrics).isTrue();
            assertThat(Double.parseDouble(m.group(1))).as("migrations the gateway followed").isPositive();
        }
    }

    @Test
    void autoscale_startsASecondChildUnderLoad_andDrainsBackToOne_withoutFailingARequest() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);
        // Idle freeness is the KV capacity (8192 tokens); six long requests take it far below 4000.
        ServeCommand serve = parse(logStream, "serve", "--instances", "1", "--port", "0", "--model", StoriesFixture.checkpoint(),
                "--tokenizer", StoriesFixture.tokenizer(), "--min-step-ms", "5", "--autoscale", "--min-instances", "1", "--max-instances", "2",
                "--scale-up-threshold", "4000", "--scale-down-threshold", "6000", "--scaling-duration-ms", "300");
        try (HttpClient http = HttpClient.newHttpClient(); ServeCommand.Running running = serve.start(logStream)) {
            String front = running.gateway().baseUrl();
            List<CompletableFuture<HttpResponse<String>>> first = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                first.add(http.sendAsync(post(front + "/v1/completions", body(PROMPTS[i], 400, true)), HttpResponse.BodyHandlers.ofString()));
            }
            awaitUntil("a second child starts", Duration.ofSeconds(30), () -> running.fleet().liveInstances().size() == 2);
            // More load while two instances serve: some of it goes to the new one.
            List<CompletableFuture<HttpResponse<String>>> second = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                second.add(http.sendAsync(post(front + "/v1/completions", body(PROMPTS[i + 4], 100, false)), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : concat(first, second)) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            // The "stopped" line is logged once the child has exited, just after the fleet stops counting it.
            awaitUntil("the cluster drains back to one child", Duration.ofSeconds(30), () -> running.fleet().liveInstances().size() == 1
                    && log.toString(StandardCharsets.UTF_8).contains("llumnix serve: autoscale: stopped"));
            String out = log.toString(StandardCharsets.UTF_8);
            assertThat(out).contains("llumnix serve: autoscale: scaling up", "llumnix serve: autoscale: draining", "llumnix serve: autoscale: stopped");
            HttpResponse<String> after = http.send(post(front + "/v1/completions", body(PROMPTS[0], 20, false)), HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        } catch (AssertionError e) {
            System.out.println(log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("llumnix serve")).toList());
            throw e;
        }
    }

    @Test
    void serve_withAnUnknownSchedulingPolicy_failsWithOneLine() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("serve", "--port", "0", "--model", StoriesFixture.checkpoint(),
                "--scheduling-policy", "nope");
        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).startsWith("llumnix serve: ").contains("nope").doesNotContain("\n");
    }

    private static List<CompletableFuture<HttpResponse<String>>> concat(List<CompletableFuture<HttpResponse<String>>> a,
            List<CompletableFuture<HttpResponse<String>>> b) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Greedy outputs of {@link #PROMPTS} from one unpaced in-process engine, all at once and never migrated. */
    static List<String> reference(int maxTokens) throws Exception {
        LoadedModel model = ModelLoader.load(StoriesFixture.checkpoint(), Optional.of(Path.of(StoriesFixture.tokenizer())));
        try (HttpClient http = HttpClient.newHttpClient();
                LlmEngine engine = EngineStarter.start(model, "stories260K", EngineConfig.defaults(model.shape().maxSeqLen()));
                OpenAiServer server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 0))) {
            List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
            for (String p : PROMPTS) {
                rs.add(http.sendAsync(post(server.baseUrl() + "/v1/completions", body(p, maxTokens, false)), HttpResponse.BodyHandlers.ofString()));
            }
            List<String> texts = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : rs) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                texts.add(JSON.readTree(r.body()).get("choices").get(0).get("text").asString());
            }
            return texts;
        }
    }

    static String streamedText(String sse) {
        StringBuilder text = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode choices = JSON.readTree(line.substring("data: ".length())).get("choices");
                if (choices != null && !choices.isEmpty()) {
                    text.append(choices.get(0).get("text").asString());
                }
            }
        }
        return text.toString();
    }

    static ServeCommand parse(PrintStream log, String... args) {
        CommandLine cli = Main.commandLine(System.out, log);
        return cli.parseArgs(args).subcommand().commandSpec().commandLine().getCommand();
    }

    static String body(String prompt, int maxTokens, boolean stream) {
        return "{\"model\":\"stories260K\",\"prompt\":" + JSON.writeValueAsString(prompt) + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"ignore_eos\":true,\"stream\":" + stream + "}";
    }

    static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static void awaitUntil(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
