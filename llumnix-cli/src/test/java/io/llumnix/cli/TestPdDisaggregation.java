package io.llumnix.cli;

import static io.llumnix.cli.TestServeFullMode.PROMPTS;
import static io.llumnix.cli.TestServeFullMode.awaitUntil;
import static io.llumnix.cli.TestServeFullMode.body;
import static io.llumnix.cli.TestServeFullMode.parse;
import static io.llumnix.cli.TestServeFullMode.post;
import static io.llumnix.cli.TestServeFullMode.streamedText;
import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.InferType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Staged prefill/decode disaggregation through {@code llumnix serve --pd-disagg-protocol staged}: the gateway places
 * each request on a prefill and a decode child, the prefill child hands it over after the first token by live
 * migration, and the client's stream follows it with no visible seam — the outputs equal one undisturbed engine's.
 */
@Tag("slow")
@Timeout(120)
class TestPdDisaggregation {

    private static final Pattern GENERATED = Pattern.compile("(?m)^vllm:generation_tokens_total(?:\\{[^}]*})? ([0-9.]+)");

    @Test
    void everyRequest_isPrefilledOnThePrefillInstance_andDecodedOnADecodeInstance_withIdenticalOutput() throws Exception {
        int maxTokens = 120;
        List<String> expected = TestServeFullMode.reference(maxTokens);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);
        ServeCommand serve = parse(logStream, "serve", "--instances", "3", "--port", "0", "--model", StoriesFixture.checkpoint(),
                "--tokenizer", StoriesFixture.tokenizer(), "--min-step-ms", "5", "--pd-disagg-protocol", "staged", "--pd-ratio", "1:2");
        try (HttpClient http = HttpClient.newHttpClient(); ServeCommand.Running running = serve.start(logStream)) {
            List<EngineFleet.Instance> children = running.fleet().instances();
            assertThat(children).extracting(EngineFleet.Instance::inferType)
                    .containsExactly(InferType.PREFILL, InferType.DECODE, InferType.DECODE);
            awaitUntil("every child reports status", Duration.ofSeconds(10),
                    () -> running.stack().scheduler().snapshot().instances().stream().filter(v -> v.status().isPresent()).count() == 3);
            String front = running.gateway().baseUrl();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                answers.add(http.sendAsync(post(front + "/v1/completions", body(PROMPTS[i], maxTokens, i % 2 == 0)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < PROMPTS.length; i++) {
                HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String text = i % 2 == 0 ? streamedText(r.body())
                        : TestServeFullMode.JSON.readTree(r.body()).get("choices").get(0).get("text").asString();
                assertThat(text).as("output of '%s'", PROMPTS[i]).isEqualTo(expected.get(i));
            }
            assertThat(metric(http, front + "/metrics", TestServeFullMode.FOLLOWED)).as("hand-offs the gateway followed")
                    .isGreaterThanOrEqualTo(PROMPTS.length);
            double prefillGenerated = metric(http, children.get(0).baseUrl() + "/metrics", GENERATED);
            double decodeGenerated = metric(http, children.get(1).baseUrl() + "/metrics", GENERATED)
                    + metric(http, children.get(2).baseUrl() + "/metrics", GENERATED);
            assertThat(prefillGenerated + decodeGenerated).as("tokens generated in all").isGreaterThanOrEqualTo(PROMPTS.length * maxTokens);
            // The prefill child decodes only while the KV cache is being copied; the decode children do the rest.
            assertThat(decodeGenerated).as("tokens generated on the decode instances (prefill instance: %s)", prefillGenerated)
                    .isGreaterThan(3 * prefillGenerated);
        } catch (AssertionError e) {
            System.out.println(log.toString(StandardCharsets.UTF_8));
            throw e;
        }
    }

    @Test
    void staged_withOneInstance_failsWithOneLine() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("serve", "--port", "0", "--instances", "1", "--model",
                StoriesFixture.checkpoint(), "--pd-disagg-protocol", "staged");
        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).startsWith("llumnix serve: ").contains("at least 2 instances").doesNotContain("\n");
    }

    @Test
    void anUnknownProtocol_failsWithOneLine() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("serve", "--port", "0", "--model", StoriesFixture.checkpoint(),
                "--pd-disagg-protocol", "rdma");
        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).startsWith("llumnix serve: ").contains("--pd-disagg-protocol").doesNotContain("\n");
    }

    private static double metric(HttpClient http, String url, Pattern pattern) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
