package io.llumnix.gateway.tokenize;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The {@code pre_tokenizer} of a {@code tokenizer.json}: cuts normalized text into the words BPE runs on (BPE never
 * merges across them). Immutable.
 */
sealed interface PreTokenizer {

    /**
     * A word and whether it starts at the very beginning of the input (Metaspace's {@code prepend_scheme: first}
     * prefixes only that one).
     */
    record Piece(String text, boolean atStart) {}

    /** Cuts (and may rewrite) each piece; empty pieces are dropped. */
    List<Piece> split(List<Piece> pieces);

    /** No pre-tokenizer: the whole normalized stretch is one word. */
    record None() implements PreTokenizer {
        @Override
        public List<Piece> split(List<Piece> pieces) {
            return pieces;
        }
    }

    /** Pre-tokenizers applied in order. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public List<Piece> split(List<Piece> pieces) {
            for (PreTokenizer s : steps) {
                pieces = s.split(pieces);
            }
            return pieces;
        }
    }

    /**
     * GPT-2's byte level: an optional prefix space, the GPT-2 regex split, then every byte spelled in the
     * {@link ByteLevelAlphabet}.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        /** The GPT-2 pattern, as Hugging Face's {@code ByteLevel} hard-codes it. */
        static final Pattern GPT2 = SplitPattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

        @Override
        public List<Piece> split(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            for (Piece p : pieces) {
                String text = addPrefixSpace && !p.text().startsWith(" ") ? " " + p.text() : p.text();
                List<Piece> words = useRegex ? Splitting.split(new Piece(text, p.atStart()), GPT2, Behavior.ISOLATED, false)
                        : List.of(new Piece(text, p.atStart()));
                for (Piece w : words) {
                    out.add(new Piece(ByteLevelAlphabet.encode(w.text()), w.atStart()));
                }
            }
            return out;
        }
    }

    /** SentencePiece's spaces: {@code ' '} becomes the replacement ({@code ▁}), prefixed per the prepend scheme. */
    record Metaspace(String replacement, Prepend prepend, boolean split) implements PreTokenizer {
        enum Prepend { ALWAYS, FIRST, NEVER }

        @Override
        public List<Piece> split(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            Pattern delimiter = Pattern.compile(Pattern.quote(replacement));
            for (Piece p : pieces) {
                String text = p.text().replace(" ", replacement);
                boolean prefix = switch (prepend) {
                    case ALWAYS -> true;
                    case FIRST -> p.atStart();
                    case NEVER -> false;
                };
                if (prefix && !text.startsWith(replacement)) {
                    text = replacement + text;
                }
                Piece rewritten = new Piece(text, p.atStart());
                out.addAll(split ? Splitting.split(rewritten, delimiter, Behavior.MERGED_WITH_NEXT, false) : List.of(rewritten));
            }
            return out;
        }
    }

    /** A regex or literal split with one of Hugging Face's delimiter behaviours (Llama 3, Qwen, GPT-4 style). */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public List<Piece> split(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            for (Piece p : pieces) {
                out.addAll(Splitting.split(p, pattern, behavior, invert));
            }
            return out;
        }
    }

    /** What happens to the delimiters of a {@link Split}. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior parse(String name) {
            return switch (name) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw new IllegalArgumentException("unknown split behavior '" + name
                        + "'; valid: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
            };
        }
    }

    /** Reads the {@code pre_tokenizer} node ({@code null} → none). */
    static PreTokenizer parse(JsonNode node) {
        requireNonNull(node, "node is null");
        if (node.isNull() || node.isMissingNode()) {
            return new None();
        }
        String type = node.path("type").asString("");
        return switch (type) {
            case "Sequence" -> new Sequence(node.path("pretokenizers").valueStream().map(PreTokenizer::parse).toList());
            case "ByteLevel" -> new ByteLevel(node.path("add_prefix_space").asBoolean(true), node.path("use_regex").asBoolean(true));
            case "Metaspace" -> new Metaspace(node.path("replacement").asString("\u2581"), metaspacePrepend(node), node.path("split").asBoolean(true));
            case "Split" -> new Split(SplitPattern.parse(node.path("pattern")), Behavior.parse(node.path("behavior").asString("")),
                    node.path("invert").asBoolean(false));
            // Rust's char::is_numeric, as Hugging Face splits: every Unicode number, not only ASCII digits.
            case "Digits" -> new Split(Pattern.compile("\\p{N}"), node.path("individual_digits").asBoolean(false) ? Behavior.ISOLATED
                    : Behavior.CONTIGUOUS, false);
            case "Whitespace" -> new Split(SplitPattern.compile("\\w+|[^\\w\\s]+"), Behavior.REMOVED, true);
            case "WhitespaceSplit" -> new Split(SplitPattern.compile("\\s+"), Behavior.REMOVED, false);
            default -> throw new IllegalArgumentException("unsupported pre_tokenizer type '" + type
                    + "'; supported: Sequence, ByteLevel, Metaspace, Split, Digits, Whitespace, WhitespaceSplit");
        };
    }

    private static Metaspace.Prepend metaspacePrepend(JsonNode node) {
        if (node.has("prepend_scheme")) {
            return switch (node.path("prepend_scheme").asString("")) {
                case "always" -> Metaspace.Prepend.ALWAYS;
                case "first" -> Metaspace.Prepend.FIRST;
                case "never" -> Metaspace.Prepend.NEVER;
                default -> throw new IllegalArgumentException("unknown Metaspace prepend_scheme " + node.path("prepend_scheme")
                        + "; valid: always, first, never");
            };
        }
        // Files older than prepend_scheme say add_prefix_space.
        return node.path("add_prefix_space").asBoolean(true) ? Metaspace.Prepend.ALWAYS : Metaspace.Prepend.NEVER;
    }

    /** Hugging Face's {@code NormalizedString::split}: the text cut into matches and gaps, then the behaviour applied. */
    final class Splitting {
        private Splitting() {}

        private record Span(int start, int end, boolean match) {}

        static List<Piece> split(Piece piece, Pattern pattern, Behavior behavior, boolean invert) {
            String text = piece.text();
            List<Span> spans = new ArrayList<>();
            Matcher m = pattern.matcher(text);
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue; // empty matches cut nothing
                }
                if (m.start() > last) {
                    spans.add(new Span(last, m.start(), invert));
                }
                spans.add(new Span(m.start(), m.end(), !invert));
                last = m.end();
            }
            if (last < text.length()) {
                spans.add(new Span(last, text.length(), invert));
            }
            List<Span> kept = switch (behavior) {
                case ISOLATED -> spans;
                case REMOVED -> spans.stream().filter(s -> !s.match()).toList();
                case MERGED_WITH_PREVIOUS -> mergedWithPrevious(spans);
                case MERGED_WITH_NEXT -> mergedWithNext(spans);
                case CONTIGUOUS -> contiguous(spans);
            };
            List<Piece> out = new ArrayList<>(kept.size());
            for (Span s : kept) {
                if (s.end() > s.start()) {
                    out.add(new Piece(text.substring(s.start(), s.end()), piece.atStart() && s.start() == 0));
                }
            }
            return out;
        }

        private static List<Span> mergedWithPrevious(List<Span> spans) {
            List<Span> acc = new ArrayList<>();
            boolean previousMatch = false;
            for (Span s : spans) {
                if (s.match() && !previousMatch && !acc.isEmpty()) {
                    Span last = acc.removeLast();
                    acc.add(new Span(last.start(), s.end(), false));
                } else {
                    acc.add(new Span(s.start(), s.end(), false));
                }
                previousMatch = s.match();
            }
            return acc;
        }

        private static List<Span> mergedWithNext(List<Span> spans) {
            List<Span> acc = new ArrayList<>();
            boolean previousMatch = false;
            for (Span s : spans.reversed()) {
                if (s.match() && !previousMatch && !acc.isEmpty()) {
                    Span last = acc.removeLast();
                    acc.add(new Span(s.start(), last.end(), false));
                } else {
                    acc.add(new Span(s.start(), s.end(), false));
                }
                previousMatch = s.match();
            }
            return acc.reversed();
        }

        /** Neighbours of the same kind become one span (with {@code invert}, adjacent matches are such neighbours). */
        private static List<Span> contiguous(List<Span> spans) {
            List<Span> acc = new ArrayList<>();
            boolean previousMatch = false;
            for (Span s : spans) {
                if (s.match() == previousMatch && !acc.isEmpty()) {
                    Span last = acc.removeLast();
                    acc.add(new Span(last.start(), s.end(), false));
                } else {
                    acc.add(new Span(s.start(), s.end(), false));
                }
                previousMatch = s.match();
            }
            return acc;
        }
    }
}
