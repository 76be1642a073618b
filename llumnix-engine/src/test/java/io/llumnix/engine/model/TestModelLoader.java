package io.llumnix.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.exec.ModelShape;
import io.llumnix.engine.exec.SequenceChunk;
import io.llumnix.engine.exec.StepBatch;
import io.llumnix.engine.tokenizer.SyntheticTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestModelLoader {

    @Test
    void load_stories260K_exposesShapeNameAndTokenizer() {
        LoadedModel model = TestingModelFiles.stories();

        assertThat(model.defaultServedName()).isEqualTo("stories260K");
        assertThat(model.shape()).isEqualTo(new ModelShape(64, 172, 5, 8, 4, 512, 512));
        assertThat(model.tiedClassifier()).isTrue();
        assertThat(model.tokenizer().vocabSize()).isEqualTo(512);
        assertThat(model.description()).contains("stories260K.bin");
    }

    @Test
    void load_checkpointWithoutTokenizer_rejects() {
        assertThatThrownBy(() -> ModelLoader.load(TestingModelFiles.storiesCheckpoint().toString(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer")
                .hasMessageContaining("stories260K.bin");
    }

    @Test
    void load_missingCheckpoint_rejectsWithPath(@TempDir Path dir) {
        Path missing = dir.resolve("missing.bin");

        assertThatThrownBy(() -> ModelLoader.load(missing.toString(), Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not found")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void load_truncatedCheckpoint_rejectsWithSizes(@TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(TestingModelFiles.storiesCheckpoint());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 1000));

        assertThatThrownBy(() -> ModelLoader.load(cut.toString(), Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining(String.valueOf(all.length));
    }

    @Test
    void load_fileShorterThanHeader_rejects(@TempDir Path dir) throws IOException {
        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);

        assertThatThrownBy(() -> ModelLoader.load(tiny.toString(), Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header")
                .hasMessageContaining(tiny.toString());
    }

    @Test
    void load_garbageHeader_rejects(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.bin");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(64).putInt(172).putInt(5).putInt(7).putInt(4).putInt(512).putInt(512); // 7 heads do not divide 64
        Files.write(bad, b.array());

        assertThatThrownBy(() -> ModelLoader.load(bad.toString(), Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad.toString());
    }

    @Test
    void load_versionedExport_rejectsWithHint(@TempDir Path dir) throws IOException {
        Path v1 = dir.resolve("v1.bin");
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x616b3432).putInt(1);
        Files.write(v1, b.array());

        assertThatThrownBy(() -> ModelLoader.load(v1.toString(), Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 1")
                .hasMessageContaining("--version 0");
    }

    @Test
    void load_untiedCheckpoint_readsClassifierAfterRopeTables(@TempDir Path dir) throws IOException {
        // stories260K with vocab_size negated and its embedding appended as wcls: must give the same logits.
        byte[] all = Files.readAllBytes(TestingModelFiles.storiesCheckpoint());
        ByteBuffer header = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(20, -512);
        byte[] untied = Arrays.copyOf(all, all.length + 512 * 64 * 4);
        System.arraycopy(all, 28, untied, all.length, 512 * 64 * 4);
        Path file = dir.resolve("untied.bin");
        Files.write(file, untied);

        LoadedModel model = ModelLoader.load(file.toString(), Optional.of(TestingModelFiles.storiesTokenizer()));

        assertThat(model.tiedClassifier()).isFalse();
        assertThat(model.defaultServedName()).isEqualTo("untied");
        assertThat(logitsOfBos(model)).isEqualTo(logitsOfBos(TestingModelFiles.stories()));
    }

    @Test
    void load_synthetic_usesByteTokenizerAndIsReproducible() {
        String spec = "synthetic:dim=64,layers=2,heads=4,kvheads=2,hidden=128,vocab=300,seq=64,seed=42";
        LoadedModel a = ModelLoader.load(spec, Optional.empty());
        LoadedModel b = ModelLoader.load(spec, Optional.empty());

        assertThat(a.defaultServedName()).isEqualTo("synthetic");
        assertThat(a.tokenizer()).isInstanceOf(SyntheticTokenizer.class);
        float[] logits = logitsOfBos(a);
        assertThat(logits).isEqualTo(logitsOfBos(b));
        for (float v : logits) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    @Test
    void load_syntheticSeeds_giveDifferentModels() {
        float[] a = logitsOfBos(ModelLoader.load("synthetic:dim=64,layers=1,vocab=300,seq=16,seed=1", Optional.empty()));
        float[] b = logitsOfBos(ModelLoader.load("synthetic:dim=64,layers=1,vocab=300,seq=16,seed=2", Optional.empty()));

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void load_syntheticTooLargeForHeap_rejectsBeforeAllocating() {
        assertThatThrownBy(() -> ModelLoader.load("synthetic:dim=8192,layers=200,vocab=32000", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MiB");
    }

    @Test
    void load_syntheticWithMismatchedTokenizer_rejects() {
        assertThatThrownBy(() -> ModelLoader.load("synthetic:dim=64,layers=1,vocab=300", Optional.of(TestingModelFiles.storiesTokenizer())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("512")
                .hasMessageContaining("300");
    }

    private static float[] logitsOfBos(LoadedModel model) {
        try (TransformerExecutor ex = model.newExecutor(4, 16)) {
            return ex.execute(new StepBatch(List.of(new SequenceChunk(1, new int[] {1}, 0, new int[] {0}, true)))).logits().get(0);
        }
    }
}
