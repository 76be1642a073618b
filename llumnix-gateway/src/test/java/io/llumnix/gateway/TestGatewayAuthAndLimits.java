package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.core.Clock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** API keys: 401 without a valid key; per-key requests- and tokens-per-minute limits answer 429 with Retry-After. */
@Timeout(60)
class TestGatewayAuthAndLimits {

    private TestingUpstream upstream;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        upstream = TestingUpstream.streaming("a", List.of("x", "y"));
        ApiKeys keys = ApiKeys.of(ApiKeys.parse("""
                # team keys
                sk-rpm  name=rpm-team  rpm=2
                sk-tpm  name=tpm-team  tpm=20
                sk-open
                """, "test"));
        gateway = Gateway.start(GatewayConfig.defaults().withPort(0).withForwarding(GatewayConfig.Forwarding.OPENAI),
                TestingSchedulers.lite(List.of(upstream.metadata())), BackendDirectory.of(List.of(upstream.metadata())),
                ModelCatalog.estimating(), keys, Clock.system());
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
        http.close();
    }

    private HttpResponse<String> post(String key, String prompt) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"" + prompt + "\",\"max_tokens\":2}"));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void missingOrWrongKey_is401() throws Exception {
        HttpResponse<String> missing = post(null, "hi");
        HttpResponse<String> wrong = post("sk-nope", "hi");

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.body()).contains("\"type\":\"authentication_error\"");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(post("sk-open", "hi").statusCode()).isEqualTo(200);
        assertThat(upstream.requests.get()).isEqualTo(1);
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(401);
    }

    @Test
    void requestsPerMinute_thirdRequestIs429_withRetryAfter() throws Exception {
        assertThat(post("sk-rpm", "hi").statusCode()).isEqualTo(200);
        assertThat(post("sk-rpm", "hi").statusCode()).isEqualTo(200);
        HttpResponse<String> third = post("sk-rpm", "hi");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.body()).contains("\"type\":\"rate_limit_error\"", "rpm-team").doesNotContain("sk-rpm");
        assertThat(Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 30L);
        assertThat(post("sk-open", "hi").statusCode()).isEqualTo(200); // other keys are not affected
    }

    @Test
    void tokensPerMinute_promptsAreCharged() throws Exception {
        String fifteenTokens = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";
        assertThat(post("sk-tpm", fifteenTokens).statusCode()).isEqualTo(200);
        HttpResponse<String> second = post("sk-tpm", fifteenTokens);

        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.body()).contains("tokens per minute");
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void keyFile_rejectsUnknownFieldsAndDuplicates() {
        assertThatThrownBy(() -> ApiKeys.parse("sk-a color=red", "keys.txt")).hasMessageContaining("keys.txt line 1")
                .hasMessageContaining("color");
        assertThatThrownBy(() -> ApiKeys.of(ApiKeys.parse("sk-a\nsk-a", "keys.txt"))).hasMessageContaining("twice");
        assertThatThrownBy(() -> ApiKeys.parse("sk-a rpm=-1", "keys.txt")).hasMessageContaining("non-negative");
    }
}
