package io.llumnix.llumlet.bench;

import static java.util.Objects.requireNonNull;

import io.llumnix.llumlet.MigrationConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@link MigrationBenchmark#run} measures.
 *
 * @param model the model both instances serve, a {@code synthetic:…} spec (both processes build the same weights
 *     from its seed)
 * @param lengths prompt lengths of the migrated request, in tokens
 * @param repetitions measured migrations per length and mode; figures are medians
 * @param recomputeRepetitions measured recompute migrations per length, at most {@code repetitions} (a recompute
 *     re-prefills the whole context on the destination: seconds at 8k tokens, two to three orders of magnitude
 *     above a live migration's downtime, so one is enough for the ratio)
 * @param warmup unmeasured rounds (every mode, shortest length) first, to warm up both JVMs
 * @param others decoding requests that share the source's batch with the migrated one
 * @param decodeBeforeMigration tokens the request generates on the source before the migration starts
 * @param maxTokens tokens the migrated request generates in all (the rest on the destination)
 * @param minSourceStepTime a floor on the source's step time (zero: none); only for smoke tests on tiny models,
 *     whose requests would otherwise finish before a migration's first round trip
 * @param migration how the source migrates live (the blocking-copy baseline is the same with {@code maxStages = 0})
 * @param json where to write the JSON result, if anywhere
 */
public record MigrationBenchOptions(
        String model,
        List<Integer> lengths,
        int repetitions,
        int recomputeRepetitions,
        int warmup,
        int others,
        int decodeBeforeMigration,
        int maxTokens,
        Duration minSourceStepTime,
        MigrationConfig migration,
        Optional<Path> json) {

    /**
     * A synthetic model (8 KiB of KV per token, so 64 MiB at 8192 tokens) whose 8192-token prefill takes
     * seconds, not minutes, on two cores.
     */
    public static final String DEFAULT_MODEL = "synthetic:dim=256,layers=4,heads=4,kvheads=4,hidden=688,vocab=512,seq=9216,seed=1";

    public static final List<Integer> DEFAULT_LENGTHS = List.of(256, 1024, 4096, 8192);

    public MigrationBenchOptions {
        requireNonNull(model, "model is null");
        requireNonNull(minSourceStepTime, "minSourceStepTime is null");
        requireNonNull(migration, "migration is null");
        requireNonNull(json, "json is null");
        lengths = List.copyOf(lengths);
        check(!lengths.isEmpty() && lengths.stream().allMatch(l -> l > 0), "lengths must be positive, got " + lengths);
        check(repetitions > 0, "repetitions must be positive, got " + repetitions);
        check(recomputeRepetitions >= 1 && recomputeRepetitions <= repetitions,
                "recomputeRepetitions must be in 1..repetitions (" + repetitions + "), got " + recomputeRepetitions);
        check(warmup >= 0, "warmup must be >= 0, got " + warmup);
        check(others >= 0, "others must be >= 0, got " + others);
        check(decodeBeforeMigration >= 2, "decodeBeforeMigration must be at least 2 (the baseline window starts at the second token), got " + decodeBeforeMigration);
        check(maxTokens > decodeBeforeMigration + 1,
                "maxTokens (" + maxTokens + ") must exceed decodeBeforeMigration (" + decodeBeforeMigration + ") + 1");
    }

    /**
     * Defaults: {@link #DEFAULT_MODEL}, lengths 256/1024/4096/8192, 5 repetitions (1 of recompute), 5 warm-up rounds, 4
     * other requests. The migration path runs once per migration, so a single warm-up round left it to the interpreter
     * in the measured runs: per migration the source's migration and gRPC threads spent 10 and 11 ms of CPU after one
     * round, 6 and 7 ms after ten, CPU taken from the other requests' steps (a fleet that migrates all day runs it
     * compiled).
     */
    public static MigrationBenchOptions defaults() {
        return new MigrationBenchOptions(DEFAULT_MODEL, DEFAULT_LENGTHS, 5, 1, 5, 4, 48, 320, Duration.ZERO,
                MigrationConfig.defaults(), Optional.empty());
    }

    public MigrationBenchOptions withModel(String spec) {
        return new MigrationBenchOptions(spec, lengths, repetitions, recomputeRepetitions, warmup, others, decodeBeforeMigration,
                maxTokens, minSourceStepTime, migration, json);
    }

    public MigrationBenchOptions withLengths(List<Integer> newLengths) {
        return new MigrationBenchOptions(model, newLengths, repetitions, recomputeRepetitions, warmup, others,
                decodeBeforeMigration, maxTokens, minSourceStepTime, migration, json);
    }

    public MigrationBenchOptions withRepetitions(int warmupRounds, int measured) {
        return new MigrationBenchOptions(model, lengths, measured, Math.min(recomputeRepetitions, measured), warmupRounds,
                others, decodeBeforeMigration, maxTokens, minSourceStepTime, migration, json);
    }

    public MigrationBenchOptions withRecomputeRepetitions(int n) {
        return new MigrationBenchOptions(model, lengths, repetitions, n, warmup, others, decodeBeforeMigration, maxTokens,
                minSourceStepTime, migration, json);
    }

    public MigrationBenchOptions withOthers(int n) {
        return new MigrationBenchOptions(model, lengths, repetitions, recomputeRepetitions, warmup, n, decodeBeforeMigration,
                maxTokens, minSourceStepTime, migration, json);
    }

    /** The migration starts after {@code before} tokens; the request generates {@code total} in all. */
    public MigrationBenchOptions withTokens(int before, int total) {
        return new MigrationBenchOptions(model, lengths, repetitions, recomputeRepetitions, warmup, others, before, total,
                minSourceStepTime, migration, json);
    }

    public MigrationBenchOptions withMinSourceStepTime(Duration d) {
        return new MigrationBenchOptions(model, lengths, repetitions, recomputeRepetitions, warmup, others,
                decodeBeforeMigration, maxTokens, d, migration, json);
    }

    public MigrationBenchOptions withMigration(MigrationConfig config) {
        return new MigrationBenchOptions(model, lengths, repetitions, recomputeRepetitions, warmup, others, decodeBeforeMigration, maxTokens,
                minSourceStepTime, config, json);
    }

    public MigrationBenchOptions withJson(Path path) {
        return new MigrationBenchOptions(model, lengths, repetitions, recomputeRepetitions, warmup, others,
                decodeBeforeMigration, maxTokens, minSourceStepTime, migration, Optional.of(path));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
