package io.llumnix.sim.workload.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFormatTest {

    @TempDir
    Path tmp;

    @Test
    void detect_recognises_every_shared_trace() {
        assertThat(TraceFormat.detect(TestingTraces.file(SharedTraces.AZURE_CODE))).isEqualTo(TraceFormat.AZURE);
        assertThat(TraceFormat.detect(TestingTraces.file(SharedTraces.MOONCAKE_CONVERSATION))).isEqualTo(TraceFormat.MOONCAKE);
        assertThat(TraceFormat.detect(TestingTraces.file(SharedTraces.SHAREGPT_LENGTHS))).isEqualTo(TraceFormat.SHAREGPT);
    }

    @Test
    void unknown_names_and_files_list_the_valid_formats() throws Exception {
        assertThat(TraceFormat.byName(" Mooncake ")).isEqualTo(TraceFormat.MOONCAKE);
        assertThatThrownBy(() -> TraceFormat.byName("burstgpt")).hasMessageContaining("azure, mooncake, sharegpt");
        Path f = Files.writeString(tmp.resolve("x.txt"), "hello\n");
        assertThatThrownBy(() -> TraceFormat.detect(f)).hasMessageStartingWith(f + ":1: ").hasMessageContaining("azure, mooncake, sharegpt");
        Path binary = Files.write(tmp.resolve("b.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, '\n'});
        assertThatThrownBy(() -> TraceFormat.detect(binary)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(binary.toString());
    }

    @Test
    void length_only_format_refuses_to_invent_arrivals() {
        Path f = TestingTraces.file(SharedTraces.SHAREGPT_LENGTHS);
        assertThatThrownBy(() -> TraceFormat.SHAREGPT.readWorkload(f)).hasMessageContaining("no arrival times");
        assertThat(TraceFormat.AZURE.readLengths(TestingTraces.file(SharedTraces.AZURE_CODE))).hasSize(8_819);
    }

    @Test
    void shared_traces_are_found_from_a_subdirectory() throws Exception {
        Path found = SharedTraces.locate(Path.of("").toAbsolutePath().resolve("src/test")).orElseThrow();
        assertThat(found.resolve(SharedTraces.AZURE_CONV)).exists();

        Path traces = Files.createDirectories(tmp.resolve("checkout/shared/traces"));
        Path deep = Files.createDirectories(tmp.resolve("checkout/main/llumnix-sim/src"));
        assertThat(SharedTraces.locate(deep)).contains(traces);
    }
}
