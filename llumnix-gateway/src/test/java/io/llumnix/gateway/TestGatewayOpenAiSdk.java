package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The official OpenAI Java SDK against the gateway in front of two real engine processes: completions and chat,
 * streaming and not, usage, models, errors; golden case (b) of stories260K comes through unchanged.
 */
@Timeout(180)
class TestGatewayOpenAiSdk {

    private static TestingCluster cluster;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestingCluster(2, 0);
        client = OpenAIOkHttpClient.builder().baseUrl(cluster.baseUrl() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CompletionCreateParams goldenB() {
        return CompletionCreateParams.builder().model("stories260K").prompt("Once upon a time").maxTokens(60).temperature(0.0).build();
    }

    private static ChatCompletionCreateParams.Builder chatB() {
        return ChatCompletionCreateParams.builder().model("stories260K").addUserMessage("Once upon a time").maxCompletionTokens(60)
                .temperature(0.0);
    }

    @Test
    void completion_nonStreaming_goldenB() {
        Completion completion = client.completions().create(goldenB());
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().text()).isEqualTo(StoriesFixture.COMPLETION_B);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(5);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(65);
        // The gateway asked for token ids upstream; the client did not, so it sees none.
        assertThat(completion._choices().toString()).doesNotContain("token_ids");
    }

    @Test
    void completion_streaming_goldenB_withUsage() {
        StringBuilder text = new StringBuilder();
        long[] total = {0};
        CompletionCreateParams params = goldenB().toBuilder()
                .streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> text.append(c.text()));
                chunk.usage().ifPresent(u -> total[0] = u.totalTokens());
            });
        }
        assertThat(text.toString()).isEqualTo(StoriesFixture.COMPLETION_B);
        assertThat(total[0]).isEqualTo(65);
    }

    @Test
    void chat_nonStreaming() {
        ChatCompletion chat = client.chat().completions().create(chatB().build());
        assertThat(chat.choices().getFirst().message().content()).contains(StoriesFixture.COMPLETION_B);
        assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(5);
        assertThat(chat.usage().orElseThrow().completionTokens()).isEqualTo(60);
    }

    @Test
    void chat_streaming_withUsage() {
        StringBuilder text = new StringBuilder();
        long[] total = {0};
        ChatCompletionCreateParams params = chatB().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> total[0] = u.totalTokens());
            });
        }
        assertThat(text.toString()).isEqualTo(StoriesFixture.COMPLETION_B);
        assertThat(total[0]).isEqualTo(65);
    }

    @Test
    void models_listsTheServedModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("stories260K");
    }

    @Test
    void errors_surfaceAsSdkExceptions() {
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder().model("stories260K").prompt("hi").maxTokens(0).build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder().model("gpt-4o").prompt("hi").build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("model");
        assertThat(client.completions().create(goldenB()).choices().getFirst().text()).isEqualTo(StoriesFixture.COMPLETION_B);
    }

    @Test
    void unknownRoute_isAnOpenAiNotFound() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cluster.baseUrl() + "/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("\"type\":\"invalid_request_error\"");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(cluster.baseUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(cluster.baseUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("llumnix_gateway_requests_total", "llumnix_gateway_request_duration_seconds_bucket");
        }
    }
}
