package io.llumnix.gateway.batch;

import java.security.SecureRandom;

/** Random ids in OpenAI's shapes: {@code file-…}, {@code batch_…}, {@code batch_req_…}. Thread-safe. */
final class BatchIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private BatchIds() {}

    static String file() {
        return "file-" + random(24);
    }

    static String batch() {
        return "batch_" + random(24);
    }

    static String request() {
        return "batch_req_" + random(24);
    }

    /** Whether {@code id} could be one of ours (used before touching the disk with it). */
    static boolean plausible(String id) {
        return id.length() <= 64 && id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_');
    }

    private static String random(int n) {
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
