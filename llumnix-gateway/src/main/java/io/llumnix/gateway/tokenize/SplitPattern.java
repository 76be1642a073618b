package io.llumnix.gateway.tokenize;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;

/** Reads a {@code tokenizer.json} pattern: {@code {"String": literal}} or {@code {"Regex": regex}}. */
final class SplitPattern {

    private SplitPattern() {}

    /**
     * The pattern as a Java regex. Regexes get {@link Pattern#UNICODE_CHARACTER_CLASS}, so that {@code \s} and
     * {@code \w} are Unicode-aware as in the Oniguruma engine Hugging Face compiles them with.
     */
    static Pattern parse(JsonNode pattern) {
        if (pattern.has("String")) {
            return Pattern.compile(Pattern.quote(pattern.path("String").asString("")));
        }
        if (pattern.has("Regex")) {
            return compile(pattern.path("Regex").asString(""));
        }
        throw new IllegalArgumentException("pattern must be {\"String\": …} or {\"Regex\": …}, got " + pattern);
    }

    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("tokenizer regex does not compile in Java: " + regex + " (" + e.getDescription() + ")", e);
        }
    }
}
