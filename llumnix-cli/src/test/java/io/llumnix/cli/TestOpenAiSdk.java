package io.llumnix.cli;

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
import io.llumnix.engine.EngineConfig;
import io.llumnix.engine.LlmEngine;
import io.llumnix.engine.model.LoadedModel;
import io.llumnix.engine.model.ModelLoader;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.engine.server.OpenAiServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The official OpenAI Java SDK talks to our engine server: completions and chat, streaming and not, and errors. */
@Timeout(120)
class TestOpenAiSdk {

    private static LlmEngine engine;
    private static OpenAiServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        LoadedModel model = ModelLoader.load(StoriesFixture.checkpoint(), Optional.of(Path.of(StoriesFixture.tokenizer())));
        engine = EngineStarter.start(model, "stories260K", EngineConfig.defaults(model.shape().maxSeqLen()));
        server = OpenAiServer.start(engine, OpenAiServerConfig.of("stories260K", 0));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
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
    void completion_nonStreaming() {
        Completion completion = client.completions().create(goldenB());
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().text()).isEqualTo(StoriesFixture.COMPLETION_B);
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(com.openai.models.completions.CompletionChoice.FinishReason.LENGTH);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(65);
        assertThat(completion.model()).isEqualTo("stories260K");
    }

    @Test
    void completion_streaming() {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(goldenB())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> text.append(c.text())));
        }
        assertThat(text.toString()).isEqualTo(StoriesFixture.COMPLETION_B);
    }

    @Test
    void chat_nonStreaming() {
        ChatCompletion chat = client.chat().completions().create(chatB().build());
        assertThat(chat.choices().getFirst().message().content()).contains(StoriesFixture.COMPLETION_B);
        assertThat(chat.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(5);
        assertThat(chat.usage().orElseThrow().completionTokens()).isEqualTo(60);
    }

    @Test
    void chat_streaming_withUsage() {
        StringBuilder text = new StringBuilder();
        long[] totalTokens = {0};
        ChatCompletionCreateParams params = chatB().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> totalTokens[0] = u.totalTokens());
            });
        }
        assertThat(text.toString()).isEqualTo(StoriesFixture.COMPLETION_B);
        assertThat(totalTokens[0]).isEqualTo(65);
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
}
