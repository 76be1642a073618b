package io.llumnix.gateway.tokenize;

import static java.util.Objects.requireNonNull;

import java.text.Normalizer;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The {@code normalizer} of a {@code tokenizer.json}: rewrites each stretch of text between added tokens before
 * pre-tokenization. The Llama 2 flavour spells its dummy prefix and spaces here ({@code Prepend("▁")},
 * {@code Replace(" ", "▁")}). Offsets are not tracked: the gateway needs ids, not alignments. Immutable.
 */
sealed interface TextNormalizer {

    String normalize(String text);

    /** Leaves text as it is (no normalizer). */
    record Identity() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text;
        }
    }

    /** Normalizers applied in order. */
    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            for (TextNormalizer s : steps) {
                text = s.normalize(text);
            }
            return text;
        }
    }

    /** Prefixes non-empty text (Llama 2's dummy prefix {@code ▁}). */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every match of a literal or a regex. */
    record Replace(Pattern pattern, String content) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** A Unicode normalization form (NFC, NFD, NFKC, NFKD). */
    record Unicode(Normalizer.Form form) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return Normalizer.normalize(text, form);
        }
    }

    /**
     * Lower-cases character by character, as Hugging Face does (Rust's {@code char::to_lowercase}): no context rules,
     * so a word-final {@code Σ} becomes {@code σ}, not {@code ς} as {@link String#toLowerCase} would make it.
     */
    record Lowercase() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            StringBuilder out = new StringBuilder(text.length());
            text.codePoints().forEach(cp -> {
                if (cp == 0x130) {
                    out.append("i\u0307"); // İ: the one unconditional multi-character lowercase mapping
                } else {
                    out.appendCodePoint(Character.toLowerCase(cp));
                }
            });
            return out.toString();
        }
    }

    /** Trims whitespace on either side. */
    record Strip(boolean left, boolean right) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            String t = left ? text.stripLeading() : text;
            return right ? t.stripTrailing() : t;
        }
    }

    /** Reads the {@code normalizer} node ({@code null} → identity). */
    static TextNormalizer parse(JsonNode node) {
        requireNonNull(node, "node is null");
        if (node.isNull() || node.isMissingNode()) {
            return new Identity();
        }
        String type = node.path("type").asString("");
        return switch (type) {
            case "Sequence" -> new Sequence(node.path("normalizers").valueStream().map(TextNormalizer::parse).toList());
            case "Prepend" -> new Prepend(node.path("prepend").asString(""));
            case "Replace" -> new Replace(SplitPattern.parse(node.path("pattern")), node.path("content").asString(""));
            case "NFC" -> new Unicode(Normalizer.Form.NFC);
            case "NFD" -> new Unicode(Normalizer.Form.NFD);
            case "NFKC" -> new Unicode(Normalizer.Form.NFKC);
            case "NFKD" -> new Unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "Strip" -> new Strip(node.path("strip_left").asBoolean(false), node.path("strip_right").asBoolean(false));
            default -> throw new IllegalArgumentException("unsupported normalizer type '" + type
                    + "'; supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip");
        };
    }
}
