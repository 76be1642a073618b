package io.llumnix.engine.server;

import io.llumnix.engine.SharedAssets;
import java.nio.file.Path;

/**
 * The golden greedy outputs of stories260K from {@code shared/models/stories260K/SOURCE.md} (stock llama2.c
 * {@code run.c}), and where the model files are.
 */
final class StoriesGolden {

    static final String PROMPT_B = "Once upon a time";
    static final int[] PROMPT_IDS_B = {1, 403, 407, 261, 378};
    static final int[] OUTPUT_IDS_B = {
            432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
            411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
            338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};
    /** run.c's stdout for case (b) without the final newline: the prompt echo, then the continuation. */
    static final String STDOUT_B = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, "
            + "she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";
    /** The generated text alone (what an OpenAI completion returns). */
    static final String COMPLETION_B = STDOUT_B.substring(PROMPT_B.length());

    static final String PROMPT_C = "Lily and Tom went to the";
    static final int[] PROMPT_IDS_C = {1, 317, 269, 274, 287, 263, 377, 267, 265};
    static final int[] OUTPUT_IDS_C = {
            282, 295, 433, 426, 342, 394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414, 444, 426, 342, 391,
            266, 267, 337, 335, 312, 426, 342, 391, 266, 267, 337, 335, 265, 268, 414, 444, 426, 342, 391, 266};
    static final String STDOUT_C = "Lily and Tom went to the park. They saw a big box with a big box. They wanted to play with it. "
            + "They wanted to play with the box. They wanted";
    static final String COMPLETION_C = STDOUT_C.substring(PROMPT_C.length());

    private StoriesGolden() {}

    /** {@code shared/models/stories260K}, found from the working directory upwards (the repo's sibling). */
    static Path modelDir() {
        return SharedAssets.storiesDir();
    }

    static Path checkpoint() {
        return modelDir().resolve("stories260K.bin");
    }

    static Path tokenizer() {
        return modelDir().resolve("tok512.bin");
    }
}
