package io.llumnix.gateway;

import io.llumnix.engine.SharedAssets;
import io.llumnix.engine.tokenizer.Llama2Tokenizer;
import java.nio.file.Path;

/** Where the staged stories260K files are, and its golden greedy output (shared/models/stories260K/SOURCE.md). */
final class StoriesFixture {

    static final int[] PROMPT_IDS_B = {1, 403, 407, 261, 378};
    /** run.c's exact stdout for case (b), 181 bytes. */
    static final String STDOUT_B = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, "
            + "she saw a big, red ball. She wanted to play with it, but it was too high.\nLily\n";
    static final String COMPLETION_B = STDOUT_B.substring("Once upon a time".length(), STDOUT_B.length() - 1);
    static final int MAX_MODEL_LEN = 512;

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

    /** The catalog a gateway in front of stories260K engines uses: the engine's own tokenizer. */
    static ModelCatalog catalog() {
        Llama2Tokenizer tok = Llama2Tokenizer.load(Path.of(tokenizer()), 512);
        return ModelCatalog.of(new ModelCatalog.Profile(PromptTokenizer.engine(tok), 16, MAX_MODEL_LEN));
    }
}
