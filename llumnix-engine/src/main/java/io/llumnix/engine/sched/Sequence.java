package io.llumnix.engine.sched;

import io.llumnix.core.SamplingParams;
import io.llumnix.engine.RequestListener;
import io.llumnix.engine.kv.PrefixHash;
import io.llumnix.engine.sampling.SamplingRng;
import java.util.Arrays;

/**
 * One request inside the engine: its tokens (prompt then output), how many of them have KV computed, the
 * KV blocks it holds, its sampling state and its text assembly. Owned by the step thread.
 */
final class Sequence {

    final String requestId;
    final long seqId;
    final int promptLength;
    final SamplingParams params;
    final int priority;
    final long arrivalNanos;
    final RequestListener listener;
    final SamplingRng rng;
    final TextAssembler text;

    private int[] tokens;
    private int numTokens;
    int numComputed;
    private int[] blocks = new int[8];
    private int numBlocks;
    /** Blocks whose full contents are registered in the prefix cache, and the hash of the last of them. */
    int numHashedBlocks;
    long lastHash = PrefixHash.ROOT;
    int previousTokenId;
    long firstTokenNanos = -1;
    int numPreemptions;
    boolean running;
    boolean migratingOut;

    Sequence(String requestId, long seqId, int[] prompt, SamplingParams params, int priority, long arrivalNanos,
            RequestListener listener, SamplingRng rng) {
        this.requestId = requestId;
        this.seqId = seqId;
        this.promptLength = prompt.length;
        this.params = params;
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.listener = listener;
        this.rng = rng;
        this.text = new TextAssembler(params.stop());
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(params.maxTokens(), 1024));
        this.numTokens = prompt.length;
        this.previousTokenId = prompt[prompt.length - 1];
    }

    int numTokens() {
        return numTokens;
    }

    int numOutputTokens() {
        return numTokens - promptLength;
    }

    int[] tokensArray() {
        return tokens;
    }

    int token(int i) {
        return tokens[i];
    }

    void appendToken(int id) {
        if (numTokens == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[numTokens++] = id;
    }

    int numUncomputed() {
        return numTokens - numComputed;
    }

    /** Prompt tokens not yet computed (0 once the prompt is done). */
    int numUncomputedPrompt() {
        return Math.max(0, promptLength - numComputed);
    }

    boolean isDecoding() {
        return numComputed >= promptLength;
    }

    int numBlocks() {
        return numBlocks;
    }

    int block(int i) {
        return blocks[i];
    }

    void addBlock(int b) {
        if (numBlocks == blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[numBlocks++] = b;
    }

    int[] blockTable() {
        return Arrays.copyOf(blocks, numBlocks);
    }

    void clearBlocks() {
        numBlocks = 0;
        numHashedBlocks = 0;
        lastHash = PrefixHash.ROOT;
        numComputed = 0;
    }

    int[] outputTokens() {
        return Arrays.copyOfRange(tokens, promptLength, numTokens);
    }
}
