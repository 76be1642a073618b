package io.llumnix.gateway;

import java.util.ArrayList;
import java.util.List;

/** Greedy stories260K batch input lines with distinct prompts. */
final class BatchLines {

    private static final String[] OPENINGS = {"Once upon a time", "Lily wanted", "The little dog", "One day, Tom", "The sun was",
        "A big red ball", "Sam and Mia", "The bird sang", "There was a cat", "Mom said"};

    private BatchLines() {}

    static String prompt(int i) {
        return OPENINGS[i % OPENINGS.length] + (i < OPENINGS.length ? "" : " and");
    }

    static String completionBody(int i, int maxTokens) {
        return "{\"model\":\"stories260K\",\"prompt\":\"" + prompt(i) + "\",\"max_tokens\":" + maxTokens + ",\"temperature\":0}";
    }

    static List<String> completions(int n, int maxTokens) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"custom_id\":\"req-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":" + completionBody(i, maxTokens)
                    + "}");
        }
        return lines;
    }
}
