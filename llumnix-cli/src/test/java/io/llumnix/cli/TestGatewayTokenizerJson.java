package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.gateway.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code llumnix gateway --tokenizer-json MODEL=PATH}: that model's prompts are counted with the file's BPE. */
class TestGatewayTokenizerJson {

    private static final String TINY = """
            {"model": {"type": "BPE", "unk_token": null, "vocab": {"a": 0, "b": 1, "ab": 2, "<s>": 3}, "merges": [["a", "b"]]},
             "added_tokens": [{"id": 3, "content": "<s>", "special": true}],
             "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}],
                                "special_tokens": {"<s>": {"id": "<s>", "ids": [3]}}}}""";

    private static GatewayCommand parse(String... args) {
        CommandLine cli = Main.commandLine(System.out, System.err);
        return (GatewayCommand) cli.parseArgs(args).subcommand().commandSpec().commandLine().getCommand();
    }

    @Test
    void tokenizerJson_setsThatModelsTokenizer_andLeavesOthersEstimated(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), TINY);
        ModelCatalog catalog = parse("gateway", "--scheduler-url", "http://127.0.0.1:1", "--tokenizer-json", "tiny=" + file).catalog();
        assertThat(catalog.models()).containsExactly("tiny");
        assertThat(catalog.profile("tiny").tokenizer().encodeCompletion("abab")).containsExactly(3, 2, 2);
        assertThat(catalog.profile("other").tokenizer().encodeCompletion("abab")).isNotEqualTo(new int[] {3, 2, 2});
    }

    @Test
    void unreadableTokenizerJson_isAUserError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        GatewayCommand command = parse("gateway", "--scheduler-url", "http://127.0.0.1:1", "--tokenizer-json", "m=" + file);
        assertThatThrownBy(command::catalog).isInstanceOf(UserException.class).hasMessageContaining("--tokenizer-json m:")
                .hasMessageContaining("supported: BPE");
    }
}
