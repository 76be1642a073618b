package io.llumnix.sim.workload.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.sim.workload.Priority;
import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureTraceReaderTest {

    @TempDir
    Path tmp;

    @Test
    void conv_trace_matches_its_published_statistics() {
        Workload w = AzureTraceReader.read(TestingTraces.file(SharedTraces.AZURE_CONV));

        assertThat(w.name()).isEqualTo("AzureLLMInferenceTrace_conv");
        assertThat(w.size()).isEqualTo(19_366);
        assertThat(w.requests().getFirst()).isEqualTo(TraceRequest.of(0, 0, 374, 44));
        TraceRequest last = w.requests().getLast();
        assertThat(last.promptTokens()).isEqualTo(197);
        assertThat(last.outputTokens()).isEqualTo(183);
        // 19:14:08.4025270 - 18:15:46.6805900, exact to 100 ns
        assertThat(last.arrivalNanos()).isEqualTo(3_501_721_937_000L);
        assertThat(w.requests().stream().mapToLong(TraceRequest::promptTokens).sum()).isEqualTo(22_361_870L);
        assertThat(w.requests().stream().mapToLong(TraceRequest::outputTokens).sum()).isEqualTo(4_088_665L);
        assertThat(w.meanRatePerSecond()).isCloseTo(5.53, org.assertj.core.data.Offset.offset(0.01));
        assertThat(w.interArrivalCv()).isCloseTo(1.09, org.assertj.core.data.Offset.offset(0.01));
        assertMonotone(w);
        assertThat(w.requests()).allMatch(r -> r.priority() == Priority.NORMAL && r.prefix().isEmpty());
    }

    @Test
    void code_trace_matches_its_published_statistics() {
        Workload w = AzureTraceReader.read(TestingTraces.file(SharedTraces.AZURE_CODE));

        assertThat(w.size()).isEqualTo(8_819);
        assertThat(w.requests().getFirst()).isEqualTo(TraceRequest.of(0, 0, 4808, 10));
        assertThat(w.requests().getLast()).isEqualTo(TraceRequest.of(8_818, 3_435_948_056_000L, 549, 173));
        assertThat(w.requests().stream().mapToLong(TraceRequest::promptTokens).sum()).isEqualTo(18_059_974L);
        assertThat(w.interArrivalCv()).isCloseTo(13.15, org.assertj.core.data.Offset.offset(0.01));
        assertMonotone(w);
    }

    @Test
    void malformed_row_names_file_and_line() throws Exception {
        Path f = tmp.resolve("bad.csv");
        Files.writeString(f, "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                + "2023-11-16 18:15:46.6805900,374,44\r\n"
                + "2023-11-16 18:15:47.1,abc,44\r\n");

        assertThatThrownBy(() -> AzureTraceReader.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ":3: ")
                .hasMessageContaining("ContextTokens")
                .hasMessageContaining("abc");
    }

    @Test
    void bad_timestamp_zero_output_and_wrong_header_are_rejected() throws Exception {
        Path ts = tmp.resolve("ts.csv");
        Files.writeString(ts, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-13-16 18:15:46,1,1\n");
        assertThatThrownBy(() -> AzureTraceReader.read(ts)).hasMessageStartingWith(ts + ":2: ").hasMessageContaining("2023-13-16");

        Path zero = tmp.resolve("zero.csv");
        Files.writeString(zero, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,5,0\n");
        assertThatThrownBy(() -> AzureTraceReader.read(zero)).hasMessageStartingWith(zero + ":2: ").hasMessageContaining("GeneratedTokens must be at least 1");

        Path header = tmp.resolve("header.csv");
        Files.writeString(header, "time,in,out\n");
        assertThatThrownBy(() -> AzureTraceReader.read(header)).hasMessageStartingWith(header + ":1: ").hasMessageContaining("expected header");

        Path empty = tmp.resolve("empty.csv");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> AzureTraceReader.read(empty)).hasMessageContaining(empty + ": empty trace file");

        assertThatThrownBy(() -> AzureTraceReader.read(tmp.resolve("missing.csv")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not found").hasMessageContaining("missing.csv");
    }

    @Test
    void column_order_follows_the_header_and_unsorted_rows_are_sorted() throws Exception {
        Path f = tmp.resolve("reordered.csv");
        Files.writeString(f, "GeneratedTokens,TIMESTAMP,ContextTokens\n"
                + "7,2023-11-16 00:00:01,100\n"
                + "8,2023-11-16 00:00:03.5,200\n"
                + "9,2023-11-16 00:00:02,300\n");

        Workload w = AzureTraceReader.read(f);

        assertThat(w.requests()).containsExactly(
                TraceRequest.of(0, 0, 100, 7),
                TraceRequest.of(2, 1_000_000_000L, 300, 9),
                TraceRequest.of(1, 2_500_000_000L, 200, 8));
    }

    static void assertMonotone(Workload w) {
        for (int i = 1; i < w.size(); i++) {
            assertThat(w.requests().get(i).arrivalNanos()).isGreaterThanOrEqualTo(w.requests().get(i - 1).arrivalNanos());
        }
    }
}
