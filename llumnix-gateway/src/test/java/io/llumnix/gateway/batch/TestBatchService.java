package io.llumnix.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.core.Clock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Stopping and reopening a batch directory with scripted line executors: exactly the unjournaled lines run again. */
@Timeout(30)
class TestBatchService {

    private static final int LINES = 12;

    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /** Answers the lines {@code answers} accepts at once, holds the others until interrupted; counts executions. */
    private static final class ScriptedExecutor implements LineExecutor {
        final Map<String, Integer> executions = new ConcurrentHashMap<>();
        final CountDownLatch held;
        private final Predicate<BatchLine> answers;

        ScriptedExecutor(Predicate<BatchLine> answers, int expectHeld) {
            this.answers = answers;
            this.held = new CountDownLatch(expectHeld);
        }

        @Override
        public Outcome execute(BatchLine line, String owner) throws InterruptedException {
            executions.merge(line.customId(), 1, Integer::sum);
            if (!answers.test(line)) {
                held.countDown();
                Thread.sleep(Long.MAX_VALUE);
            }
            return new Answered(200, "req-" + line.customId(), "{\"echo\":\"" + line.customId() + "\"}", Optional.empty());
        }

        @Override
        public void close() {}
    }

    private BatchService open(LineExecutor executor) {
        return new BatchService(BatchConfig.defaults(dir).withConcurrency(3), executor, Clock.system(), json);
    }

    private String createBatch(BatchService service) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            jsonl.append("{\"custom_id\":\"c").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"")
                    .append(i).append("\"}}\n");
        }
        BatchService.UploadSlot slot = service.newUpload();
        Files.writeString(slot.path(), jsonl, StandardCharsets.UTF_8);
        StoredFile input = service.adoptUpload(slot, "in.jsonl", "batch", "");
        return service.create("", input.id(), "/v1/completions", "24h", Map.of()).id();
    }

    private static BatchRecord awaitStatus(BatchService service, String id, BatchStatus status) throws InterruptedException {
        while (true) {
            BatchRecord r = service.batch(id, "").orElseThrow();
            if (r.status() == status) {
                return r;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void stopMidBatch_reopen_runsExactlyTheUnjournaledLines_outputHasEachLineOnce() throws Exception {
        // Lines c0..c4 are answered; from c5 on the executor holds them (3 in flight at the stop, the rest never sent).
        ScriptedExecutor first = new ScriptedExecutor(line -> line.index() < 5, 3);
        BatchService service = open(first);
        String id = createBatch(service);
        first.held.await();
        while (service.batch(id, "").orElseThrow().counts().completed() < 5) {
            Thread.sleep(10);
        }
        service.close();
        assertThat(first.executions).hasSize(8);

        ScriptedExecutor second = new ScriptedExecutor(line -> true, 0);
        service = open(second);
        try {
            BatchRecord done = awaitStatus(service, id, BatchStatus.COMPLETED);
            assertThat(done.counts()).isEqualTo(new BatchRecord.RequestCounts(LINES, LINES, 0));
            List<String> rerun = new ArrayList<>(second.executions.keySet());
            List<String> expected = new ArrayList<>();
            for (int i = 5; i < LINES; i++) {
                expected.add("c" + i);
            }
            assertThat(rerun).containsExactlyInAnyOrderElementsOf(expected); // journaled c0..c4 never again
            assertThat(second.executions.values()).containsOnly(1);

            List<String> outputs = Files.readAllLines(service.content(service.file(done.outputFileId(), "").orElseThrow()));
            List<String> ids = new ArrayList<>();
            for (String line : outputs) {
                JsonNode n = json.readTree(line);
                ids.add(n.get("custom_id").asString());
                assertThat(n.get("response").get("body").get("echo").asString()).isEqualTo(n.get("custom_id").asString());
            }
            List<String> all = new ArrayList<>();
            for (int i = 0; i < LINES; i++) {
                all.add("c" + i);
            }
            assertThat(ids).containsExactlyElementsOf(all);
        } finally {
            service.close();
        }
    }

    @Test
    void inputLostWhileStopped_batchFailsOnReopen() throws Exception {
        ScriptedExecutor holdAll = new ScriptedExecutor(line -> false, 3);
        BatchService service = open(holdAll);
        String id = createBatch(service);
        holdAll.held.await();
        String inputId = service.batch(id, "").orElseThrow().inputFileId();
        Path content = service.content(service.file(inputId, "").orElseThrow());
        service.close();
        Files.delete(content);

        service = open(new ScriptedExecutor(line -> true, 0));
        try {
            BatchRecord failed = awaitStatus(service, id, BatchStatus.FAILED);
            assertThat(failed.errors()).singleElement().satisfies(e -> assertThat(e.code()).isEqualTo("invalid_file"));
            assertThat(failed.toApiJson(json).get("failed_at").isNumber()).isTrue();
        } finally {
            service.close();
        }
    }
}
