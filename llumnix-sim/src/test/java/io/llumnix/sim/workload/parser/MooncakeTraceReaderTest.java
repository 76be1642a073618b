package io.llumnix.sim.workload.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.sim.workload.TraceRequest;
import io.llumnix.sim.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MooncakeTraceReaderTest {

    @TempDir
    Path tmp;

    @Test
    void conversation_trace_matches_its_published_statistics() {
        Workload w = MooncakeTraceReader.read(TestingTraces.file(SharedTraces.MOONCAKE_CONVERSATION));

        assertThat(w.size()).isEqualTo(12_031);
        TraceRequest first = w.requests().getFirst();
        assertThat(first.arrivalNanos()).isZero();
        assertThat(first.promptTokens()).isEqualTo(6758);
        assertThat(first.outputTokens()).isEqualTo(500);
        assertThat(first.prefix().blockTokens()).isEqualTo(512);
        assertThat(first.prefix().hashes()).isEqualTo(LongStream.range(0, 14).boxed().toList());
        TraceRequest last = w.requests().getLast();
        assertThat(last.arrivalNanos()).isEqualTo(3_536_999L * 1_000_000L);
        assertThat(last.promptTokens()).isEqualTo(20774);
        assertThat(last.outputTokens()).isEqualTo(508);
        assertThat(last.prefix().hashes()).hasSize(41).endsWith(182_789L);
        assertThat(w.meanRatePerSecond()).isCloseTo(3.40, Offset.offset(0.01));
        AzureTraceReaderTest.assertMonotone(w);

        // every row has ceil(input / 512) hashes, and 36.6% of block occurrences repeat an earlier block
        long occurrences = 0;
        long repeats = 0;
        Set<Long> seen = new HashSet<>();
        for (TraceRequest r : w.requests()) {
            assertThat(r.prefix().hashes()).hasSize((r.promptTokens() + 511) / 512);
            for (long h : r.prefix().hashes()) {
                occurrences++;
                if (!seen.add(h)) {
                    repeats++;
                }
            }
        }
        assertThat(occurrences).isEqualTo(288_500);
        assertThat(seen).hasSize(182_790);
        assertThat((double) repeats / occurrences).isCloseTo(0.366, Offset.offset(0.001));
    }

    @Test
    void rehashing_to_small_blocks_keeps_shared_prefixes_shared() {
        Workload w = MooncakeTraceReader.read(TestingTraces.file(SharedTraces.MOONCAKE_CONVERSATION)).first(2);
        List<Long> a = w.requests().get(0).prefix().rehash(16, w.requests().get(0).promptTokens());
        List<Long> b = w.requests().get(1).prefix().rehash(16, w.requests().get(1).promptTokens());

        assertThat(a).hasSize(6758 / 16);
        assertThat(b).hasSize(7322 / 16);
        // both share only block 0 (a 512-token system prompt): 32 small blocks
        assertThat(a.subList(0, 32)).isEqualTo(b.subList(0, 32));
        assertThat(a.get(32)).isNotEqualTo(b.get(32));
        assertThat(new HashSet<>(a)).hasSize(a.size());
    }

    @Test
    void malformed_lines_name_file_and_line() throws Exception {
        String good = "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [1]}\n";
        assertRejected(good + "{\"timestamp\": 1, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [1]\n", 2, "malformed JSON");
        assertRejected(good + "\n{\"timestamp\": 1, \"output_length\": 5}\n", 3, "missing field 'input_length'");
        assertRejected(good + "{\"timestamp\": 1, \"input_length\": \"ten\", \"output_length\": 5}\n", 2, "'input_length' must be an integer");
        assertRejected(good + "{\"timestamp\": 1, \"input_length\": 10, \"output_length\": 0}\n", 2, "'output_length' must be at least 1");
        assertRejected(good + "{\"timestamp\": 1, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [1, 2]}\n", 2, "2 prefix blocks");
        assertRejected("[1, 2]\n", 1, "expected a JSON object");
    }

    private void assertRejected(String content, int line, String message) throws Exception {
        Path f = Files.writeString(tmp.resolve("t.jsonl"), content);
        assertThatThrownBy(() -> MooncakeTraceReader.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ":" + line + ": ")
                .hasMessageContaining(message);
    }
}
