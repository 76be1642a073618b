package io.llumnix.engine.model;

import static io.llumnix.engine.model.TestingGreedy.argmax;
import static io.llumnix.engine.model.TestingGreedy.contiguousTable;
import static io.llumnix.engine.model.TestingGreedy.generate;
import static io.llumnix.engine.model.TestingGreedy.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.exec.StepOutput;
import io.llumnix.engine.kernel.KernelChoice;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Real logits of stories260K against the golden outputs of llama2.c's run.c (shared/models/stories260K/SOURCE.md). */
class TestTransformerExecutor {

    private static final int BLOCK_SIZE = 16;

    // SOURCE.md, case (a): no prompt, 200 steps.
    private static final String CASE_A = """
            403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337
            410 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352
            266 268 388 426 338 391 266 267 337 335 312 432 398 312 286 267 414 270 333 415
            426 13 438 310 439 419 357 336 432 313 438 310 432 278 316 439 419 298 414 267
            265 282 295 433 426 436 317 286 296 418 269 279 292 416 439 413 409 416 327 263
            415 294 267 400 426 338 336 432 313 442 391 267 337 335 364 420 268 388 432 398
            359 280 303 439 413 272 417 264 312 426 436 13 438 310 286 296 418 269 279 292
            416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 439 423 262
            304 420 422 432 317 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400
            426 436 13 438 310 279 292 416 439 413 391 267 281 421 427 311 357 432 384 358
            """;
    // Case (b): "Once upon a time", 64 steps.
    private static final String CASE_B = """
            432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 419 292
            411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352 266 268 388 426
            338 391 266 267 337 335 312 432 398 312 286 267 414 270 333 415 426 13 438 310
            """;
    // Case (c): "Lily and Tom went to the", 48 steps.
    private static final String CASE_C = """
            282 295 433 426 342 394 261 370 268 414 444 335 261 370 268 414 444 426 342 391
            266 267 337 335 312 426 342 391 266 267 337 335 265 268 414 444 426 342 391 266
            """;

    private static TransformerExecutor executor(KernelChoice kernels) {
        return TestingModelFiles.stories().newExecutor(64, BLOCK_SIZE, kernels);
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void logits_bosAtPositionZero_matchRunC(KernelChoice kernels) {
        try (TransformerExecutor ex = executor(kernels)) {
            float[] logits = ex.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {1}, 0, new int[] {0}, true))))
                    .logits().get(0);

            assertThat(logits).hasSize(512);
            assertThat(argmax(logits)).isEqualTo(403);
            assertThat(logits[403]).isCloseTo(17.023516f, within(1e-4f));
            float[] expected = {-6.222911f, 8.404342f, -6.223737f, -6.222542f, -6.221951f, -6.222875f, -6.221880f, -6.223416f};
            for (int i = 0; i < expected.length; i++) {
                assertThat(logits[i]).as("logits[%d]", i).isCloseTo(expected[i], within(1e-4f));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void greedy_onceUponATime_reproducesGoldenCaseB(KernelChoice kernels) {
        try (TransformerExecutor ex = executor(kernels)) {
            int[] prompt = TestingModelFiles.stories().tokenizer().encode("Once upon a time", true);
            assertThat(prompt).containsExactly(1, 403, 407, 261, 378);

            assertThat(generate(ex, prompt, 64, BLOCK_SIZE)).containsExactly(ids(CASE_B));
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void greedy_lilyAndTom_reproducesGoldenCaseC(KernelChoice kernels) {
        try (TransformerExecutor ex = executor(kernels)) {
            int[] prompt = TestingModelFiles.stories().tokenizer().encode("Lily and Tom went to the", true);
            assertThat(prompt).containsExactly(1, 317, 269, 274, 287, 263, 377, 267, 265);

            assertThat(generate(ex, prompt, 48, BLOCK_SIZE)).containsExactly(ids(CASE_C));
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelChoice.class, names = {"SCALAR", "VECTOR"})
    void greedy_noPrompt_reproducesGoldenCaseAThroughRoundingSensitiveToken(KernelChoice kernels) {
        try (TransformerExecutor ex = executor(kernels)) {
            int[] generated = generate(ex, new int[] {1}, 200, BLOCK_SIZE);
            int[] golden = ids(CASE_A);

            // SOURCE.md: the 186th token has a top-2 gap of 0.0042, so only the first 185 are rounding-proof.
            assertThat(Arrays.copyOf(generated, 185)).containsExactly(Arrays.copyOf(golden, 185));
        }
    }

    @Test
    void execute_wantLogitsFalse_returnsNoLogitsAndMeasuresTime() {
        try (TransformerExecutor ex = executor(KernelChoice.AUTO)) {
            StepOutput out = ex.execute(new StepBatch(List.of(
                    new SequenceChunk(1, new int[] {1, 403}, 0, new int[] {0}, false),
                    new SequenceChunk(2, new int[] {1}, 0, new int[] {1}, true))));

            assertThat(out.logits()).hasSize(2);
            assertThat(out.logits().get(0)).isSameAs(StepOutput.NO_LOGITS);
            assertThat(out.logits().get(1)).hasSize(512);
            assertThat(out.elapsedNanos()).isPositive();
        }
    }

    @Test
    void execute_blockTableTooShort_rejectsWithSequenceId() {
        try (TransformerExecutor ex = executor(KernelChoice.AUTO)) {
            int[] tokens = new int[BLOCK_SIZE + 1];
            Arrays.fill(tokens, 1);

            assertThatThrownBy(() -> ex.execute(new StepBatch(List.of(new SequenceChunk(7, tokens, 0, new int[] {0}, true)))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sequence 7")
                    .hasMessageContaining("block table");
        }
    }

    @Test
    void execute_tokenOutsideVocabulary_rejects() {
        try (TransformerExecutor ex = executor(KernelChoice.AUTO)) {
            assertThatThrownBy(() -> ex.execute(new StepBatch(List.of(new SequenceChunk(3, new int[] {512}, 0, new int[] {0}, true)))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("512");
        }
    }

    @Test
    void execute_beyondContextWindow_rejects() {
        try (TransformerExecutor ex = TestingModelFiles.stories().newExecutor(40, BLOCK_SIZE)) {
            assertThatThrownBy(() -> ex.execute(new StepBatch(List.of(
                    new SequenceChunk(3, new int[] {1}, 512, contiguousTable(513, BLOCK_SIZE, 0), true)))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("context");
        }
    }

    @Test
    void execute_afterClose_fails() {
        TransformerExecutor ex = executor(KernelChoice.AUTO);
        ex.close();

        assertThatThrownBy(() -> ex.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {1}, 0, new int[] {0}, true)))))
                .isInstanceOf(IllegalStateException.class);
    }
}
