package io.llumnix.core;

/** Why a request stopped generating; {@link #openAiName()} is the OpenAI {@code finish_reason}. */
public enum FinishReason {
    /** EOS token or a stop string. */
    STOP("stop"),
    /** {@code max_tokens} reached, or the context window is full. */
    LENGTH("length"),
    /** Aborted by the caller (disconnect or explicit abort). */
    ABORT("abort");

    private final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }

    public String openAiName() {
        return openAiName;
    }
}
