package io.llumnix.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class TestBatchJournal {

    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private ObjectNode output(String customId) {
        ObjectNode o = json.createObjectNode();
        o.put("custom_id", customId);
        return o;
    }

    private static java.util.Map<Integer, BatchJournal.Entry> entries(BatchJournal j) {
        java.util.Map<Integer, BatchJournal.Entry> out = new java.util.TreeMap<>();
        for (int i = 0; i < 10; i++) {
            j.entry(i).ifPresent(e -> out.put(e.index(), e));
        }
        return out;
    }

    @Test
    void reopen_keepsAppendedEntries_refusesDuplicates() {
        Path path = dir.resolve("b.journal");
        try (BatchJournal j = BatchJournal.open(path, json)) {
            assertThat(j.append(new BatchJournal.Entry(0, false, output("a")))).isTrue();
            assertThat(j.append(new BatchJournal.Entry(2, true, output("c")))).isTrue();
            assertThat(j.append(new BatchJournal.Entry(0, false, output("again")))).isFalse();
        }
        try (BatchJournal j = BatchJournal.open(path, json)) {
            assertThat(entries(j).keySet()).containsExactly(0, 2);
            assertThat(entries(j).get(0).output().get("custom_id").asString()).isEqualTo("a");
            assertThat(entries(j).get(2).failed()).isTrue();
            assertThat(j.size()).isEqualTo(2);
            assertThat(j.failed()).isEqualTo(1);
        }
    }

    @Test
    void tornTail_isCutOff_andAppendingContinuesCleanly() throws Exception {
        Path path = dir.resolve("b.journal");
        try (BatchJournal j = BatchJournal.open(path, json)) {
            j.append(new BatchJournal.Entry(0, false, output("a")));
        }
        // A crash in the middle of the next append: half an entry, no newline.
        Files.writeString(path, "{\"line\":1,\"failed\":false,\"out", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (BatchJournal j = BatchJournal.open(path, json)) {
            assertThat(entries(j).keySet()).containsExactly(0);
            assertThat(j.contains(1)).isFalse();
            j.append(new BatchJournal.Entry(1, false, output("b")));
        }
        try (BatchJournal j = BatchJournal.open(path, json)) {
            assertThat(entries(j).keySet()).containsExactly(0, 1);
        }
        assertThat(Files.readAllLines(path)).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("{\"line\":"));
    }
}
