package io.llumnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command's surface: help on every subcommand, version, and one-line user errors with non-zero exits. */
class TestMain {

    @Test
    void help_isAvailableOnEverySubcommand() {
        for (String[] args : new String[][] {{"--help"}, {"engine", "--help"}, {"generate", "--help"}, {"serve", "--help"},
                {"bench", "--help"}, {"bench", "engine", "--help"}}) {
            TestGenerateCommand.Run run = TestGenerateCommand.main(args);
            assertThat(run.code()).as(String.join(" ", args)).isZero();
            assertThat(new String(run.out(), StandardCharsets.UTF_8)).contains("Usage: llumnix");
        }
    }

    @Test
    void version_printsTheVersion() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("--version");
        assertThat(run.code()).isZero();
        assertThat(new String(run.out(), StandardCharsets.UTF_8)).startsWith("llumnix ");
    }

    @Test
    void missingRequiredOption_isOneLineOnStderr_withUsageExitCode() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("generate", "--prompt", "hi");
        assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("--model");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void unknownSubcommandOrFlag_isAUsageError() {
        assertThat(TestGenerateCommand.main("frobnicate").code()).isEqualTo(Main.EXIT_USAGE);
        TestGenerateCommand.Run run = TestGenerateCommand.main("engine", "--model", "x", "--no-such-flag");
        assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err().strip()).doesNotContain("\n");
    }

    @Test
    void missingModelFile_isOneLineWithoutStackTrace() {
        TestGenerateCommand.Run run = TestGenerateCommand.main("generate", "--model", "/nonexistent/model.bin", "--tokenizer", "/nonexistent/tok.bin");
        assertThat(run.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err().strip()).isEqualTo("llumnix generate: --model: no such file: /nonexistent/model.bin");
    }

    @Test
    void invalidValues_areOneLineErrors() {
        TestGenerateCommand.Run temperature = TestGenerateCommand.main("generate", "--model", StoriesFixture.checkpoint(), "--tokenizer",
                StoriesFixture.tokenizer(), "--temperature", "7");
        assertThat(temperature.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(temperature.err().strip()).doesNotContain("\n").contains("temperature");

        TestGenerateCommand.Run modelLen = TestGenerateCommand.main("generate", "--model", StoriesFixture.checkpoint(), "--tokenizer",
                StoriesFixture.tokenizer(), "--max-model-len", "100000");
        assertThat(modelLen.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(modelLen.err().strip()).doesNotContain("\n").contains("--max-model-len");

        TestGenerateCommand.Run badSpec = TestGenerateCommand.main("generate", "--model", "synthetic:colour=blue");
        assertThat(badSpec.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(badSpec.err().strip()).doesNotContain("\n").contains("colour");
    }
}
