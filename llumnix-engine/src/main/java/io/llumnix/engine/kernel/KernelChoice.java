package io.llumnix.engine.kernel;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which implementation of the numeric {@link Kernels} an executor uses. {@link #AUTO} picks the SIMD kernels
 * when {@code jdk.incubator.vector} is in the boot layer and the scalar ones otherwise; benchmarks pin one.
 */
public enum KernelChoice {
    /** The vector kernels if the Vector API is available, else scalar. */
    AUTO,
    /** SIMD kernels on the Vector API ({@code FloatVector.SPECIES_PREFERRED}); fails if the module is absent. */
    VECTOR,
    /** Plain Java loops, the llama2.c {@code run.c} arithmetic; the baseline. */
    SCALAR;

    /** Parses {@code auto}, {@code vector} or {@code scalar} (any case), naming the valid values on error. */
    public static KernelChoice parse(String value) {
        for (KernelChoice c : values()) {
            if (c.name().equalsIgnoreCase(value.strip())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown kernel choice '" + value + "'; valid: "
                + Arrays.stream(values()).map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
