package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * What an experiment reports.
 *
 * @param name the experiment ({@code serving}, …, or {@code trace})
 * @param reportDir the folder holding {@code index.html}, CSVs, PNGs and {@code summary.json}
 * @param summary the headline numbers: a JSON-able map (values are numbers, strings, booleans, lists or maps of
 *     those), e.g. {@code p99_prefill_infaas_over_llumnix → {trace → ratio}}
 */
public record ExperimentResult(String name, Path reportDir, Map<String, Object> summary) {

    public ExperimentResult {
        requireNonNull(name, "name is null");
        requireNonNull(reportDir, "reportDir is null");
        summary = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(summary));
    }
}
