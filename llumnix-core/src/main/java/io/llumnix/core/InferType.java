package io.llumnix.core;

/** The role an instance plays: both phases (neutral), or one side of prefill/decode disaggregation. */
public enum InferType {
    NEUTRAL,
    PREFILL,
    DECODE
}
