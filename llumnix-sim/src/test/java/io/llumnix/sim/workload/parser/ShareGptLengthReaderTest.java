package io.llumnix.sim.workload.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.sim.workload.RequestLength;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareGptLengthReaderTest {

    @TempDir
    Path tmp;

    @Test
    void sharegpt_lengths_match_their_published_statistics() {
        List<RequestLength> lengths = ShareGptLengthReader.read(TestingTraces.file(SharedTraces.SHAREGPT_LENGTHS));

        assertThat(lengths).hasSize(30_731);
        assertThat(lengths.getFirst()).isEqualTo(new RequestLength(74, 918));
        assertThat(lengths.getLast()).isEqualTo(new RequestLength(2285, 363));
        assertThat(lengths.stream().mapToInt(RequestLength::promptTokens).average().orElseThrow()).isCloseTo(2340.0, Offset.offset(0.1));
        assertThat(lengths.stream().mapToInt(RequestLength::outputTokens).average().orElseThrow()).isCloseTo(438.7, Offset.offset(0.1));
        assertThat(lengths.stream().mapToInt(RequestLength::outputTokens).max().orElseThrow()).isEqualTo(1024);
    }

    @Test
    void malformed_rows_name_file_and_line() throws Exception {
        Path f = Files.writeString(tmp.resolve("s.csv"), "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n1,2,3,0.5\n4,-5,-1,0.1\n");
        assertThatThrownBy(() -> ShareGptLengthReader.read(f)).hasMessageStartingWith(f + ":3: ").hasMessageContaining("num_decode_tokens must be at least 1");

        Path short_ = Files.writeString(tmp.resolve("short.csv"), "num_prefill_tokens,num_decode_tokens\n1\n");
        assertThatThrownBy(() -> ShareGptLengthReader.read(short_)).hasMessageStartingWith(short_ + ":2: ").hasMessageContaining("expected 2 fields");

        Path header = Files.writeString(tmp.resolve("h.csv"), "a,b\n1,2\n");
        assertThatThrownBy(() -> ShareGptLengthReader.read(header)).hasMessageStartingWith(header + ":1: ").hasMessageContaining("num_prefill_tokens");
    }
}
