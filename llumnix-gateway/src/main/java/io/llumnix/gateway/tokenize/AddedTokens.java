package io.llumnix.gateway.tokenize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The {@code added_tokens} of a {@code tokenizer.json} ({@code <s>}, {@code <|endoftext|>}, {@code <|im_start|>}…):
 * found in the text before normalization and BPE, leftmost and longest first, and emitted as their own ids. As
 * Hugging Face does by default ({@code split_special_tokens=False}), a prompt that spells a special token gets its
 * id. All added tokens are matched in the raw text, including those marked {@code normalized} (a difference only
 * for a normalizer that changes an added token's characters). Immutable.
 */
final class AddedTokens {

    /** One added token. */
    record Token(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip) {}

    /** A stretch of the input: either plain text (id -1) or an added token. */
    record Segment(String text, int id, boolean atStart) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private final Map<Character, List<Token>> byFirstChar = new HashMap<>();
    /** Whether some added token starts with this UTF-16 unit: the scan skips other characters without a map lookup. */
    private final boolean[] firstChars = new boolean[Character.MAX_VALUE + 1];
    private final Map<Integer, Token> byId = new HashMap<>();

    AddedTokens(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
            firstChars[t.content().charAt(0)] = true;
            byId.put(t.id(), t);
        }
        // Longest first, so the first candidate that matches at a position is the longest one.
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed()));
    }

    static AddedTokens parse(JsonNode added) {
        List<Token> tokens = new ArrayList<>();
        for (JsonNode t : added.values()) {
            tokens.add(new Token(t.path("id").asInt(), t.path("content").asString(""), t.path("special").asBoolean(false),
                    t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false)));
        }
        return new AddedTokens(tokens);
    }

    /** Whether {@code id} is an added token marked special (left out when decoding). */
    boolean isSpecial(int id) {
        Token t = byId.get(id);
        return t != null && t.special();
    }

    /** The content of added token {@code id}, or null. */
    String content(int id) {
        Token t = byId.get(id);
        return t == null ? null : t.content();
    }

    /** Cuts {@code text} into plain stretches and added tokens. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            out.add(new Segment(text, -1, true));
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Token match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + match.content().length();
            if (match.lstrip()) {
                while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (match.rstrip()) {
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            if (start > plainStart) {
                out.add(new Segment(text.substring(plainStart, start), -1, plainStart == 0));
            }
            out.add(new Segment(text.substring(start, end), match.id(), start == 0));
            plainStart = end;
            i = end;
        }
        if (plainStart < text.length()) {
            out.add(new Segment(text.substring(plainStart), -1, plainStart == 0));
        }
        return out;
    }

    private Token matchAt(String text, int i) {
        if (!firstChars[text.charAt(i)]) {
            return null;
        }
        List<Token> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) {
            return null;
        }
        for (Token t : candidates) {
            if (text.startsWith(t.content(), i) && (!t.singleWord() || wordBoundaries(text, i, i + t.content().length()))) {
                return t;
            }
        }
        return null;
    }

    private static boolean wordBoundaries(String text, int start, int end) {
        boolean before = start == 0 || !Character.isLetterOrDigit(text.charAt(start - 1));
        boolean after = end == text.length() || !Character.isLetterOrDigit(text.charAt(end));
        return before && after;
    }
}
