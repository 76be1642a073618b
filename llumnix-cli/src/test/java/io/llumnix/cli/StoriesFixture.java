package io.llumnix.cli;

import io.llumnix.engine.SharedAssets;
import java.nio.file.Path;

/** Where the staged stories260K files are, and its golden greedy outputs (shared/models/stories260K/SOURCE.md). */
final class StoriesFixture {

    static final int[] PROMPT_IDS_B = {1, 403, 407, 261, 378};
    static final int[] OUTPUT_IDS_B = {
            432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
            411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
            338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};
    /** run.c's exact stdout for case (b), 181 bytes. */
    static final String STDOUT_B = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, "
            + "she saw a big, red ball. She wanted to play with it, but it was too high.\nLily\n";
    static final String COMPLETION_B = STDOUT_B.substring("Once upon a time".length(), STDOUT_B.length() - 1);

    static final int[] PROMPT_IDS_C = {1, 317, 269, 274, 287, 263, 377, 267, 265};
    static final int[] OUTPUT_IDS_C = {
            282, 295, 433, 426, 342, 394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414, 444, 426, 342, 391,
            266, 267, 337, 335, 312, 426, 342, 391, 266, 267, 337, 335, 265, 268, 414, 444, 426, 342, 391, 266};
    /** run.c's exact stdout for case (c), 141 bytes. */
    static final String STDOUT_C = "Lily and Tom went to the park. They saw a big box with a big box. They wanted to play with it. "
            + "They wanted to play with the box. They wanted\n";

    private StoriesFixture() {}

    static Path modelDir() {
        return SharedAssets.storiesDir();
    }

    static String checkpoint() {
        return modelDir().resolve("stories260K.bin").toString();
    }

    static String tokenizer() {
        return modelDir().resolve("tok512.bin").toString();
    }
}
