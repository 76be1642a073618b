package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.FinishReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code llumnix generate} prints run.c's golden outputs byte for byte, from the golden token ids. */
@Timeout(60)
class TestGenerateCommand {

    @Test
    void generate_printsGoldenCaseB_byteForByte() {
        Run run = main("generate", "--model", StoriesFixture.checkpoint(), "--tokenizer", StoriesFixture.tokenizer(),
                "--prompt", "Once upon a time", "--max-tokens", "60", "--temperature", "0");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(StoriesFixture.STDOUT_B.getBytes(StandardCharsets.UTF_8));
        assertThat(run.out()).hasSize(181);
    }

    @Test
    void generate_printsGoldenCaseC_byteForByte() {
        Run run = main("generate", "--model", StoriesFixture.checkpoint(), "--tokenizer", StoriesFixture.tokenizer(),
                "--prompt", "Lily and Tom went to the", "--max-tokens", "40", "--temperature", "0");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(StoriesFixture.STDOUT_C.getBytes(StandardCharsets.UTF_8));
        assertThat(run.out()).hasSize(141);
    }

    @Test
    void generate_producesTheGoldenTokenIds() throws Exception {
        assertTokens("Once upon a time", 60, StoriesFixture.PROMPT_IDS_B, StoriesFixture.OUTPUT_IDS_B);
        assertTokens("Lily and Tom went to the", 40, StoriesFixture.PROMPT_IDS_C, StoriesFixture.OUTPUT_IDS_C);
    }

    @Test
    void generate_withSeed_isReproducible() {
        String[] args = {"generate", "--model", StoriesFixture.checkpoint(), "--tokenizer", StoriesFixture.tokenizer(),
                "--prompt", "Once upon a time", "--max-tokens", "30", "--temperature", "0.9", "--top-p", "0.9", "--seed", "42"};
        Run first = main(args);
        Run second = main(args);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo(second.out());
        assertThat(new String(first.out(), StandardCharsets.UTF_8)).startsWith("Once upon a time");
    }

    private static void assertTokens(String prompt, int maxTokens, int[] promptIds, int[] outputIds) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cli = Main.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        CommandLine.ParseResult parsed = cli.parseArgs("generate", "--model", StoriesFixture.checkpoint(), "--tokenizer",
                StoriesFixture.tokenizer(), "--prompt", prompt, "--max-tokens", Integer.toString(maxTokens), "--temperature", "0");
        GenerateCommand command = parsed.subcommand().commandSpec().commandLine().getCommand();
        OfflineGenerator.Result result = command.run();
        assertThat(result.promptTokens()).containsExactly(promptIds);
        assertThat(result.outputTokens()).containsExactly(outputIds);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.output()).isEqualTo(out.toByteArray());
    }

    record Run(int code, byte[] out, String err) {}

    static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
