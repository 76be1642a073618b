package io.llumnix.gateway.tokenize;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, encoding text to the ids the Hugging Face
 * {@code tokenizers} library gives (what vLLM and SGLang feed their models): added tokens first, then the
 * normalizer, the pre-tokenizer and BPE on each remaining stretch, then the post-processor's special tokens (the
 * BOS of a {@code TemplateProcessing} template). Covers byte-level BPE (GPT-2, Llama 3, Qwen: {@code ByteLevel} and
 * {@code Split} pre-tokenizers) and the SentencePiece-style Llama 2 flavour ({@code ▁} via {@code Prepend} and
 * {@code Replace} normalizers or a {@code Metaspace} pre-tokenizer, {@code byte_fallback}, {@code fuse_unk}).
 * Other model types and components fail at load with the list of supported ones.
 *
 * <pre>{@code
 * HfTokenizer tok = HfTokenizer.load(Path.of("tokenizer.json"));
 * int[] ids = tok.encode("Hello world", true);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class HfTokenizer {

    private final BpeModel model;
    private final AddedTokens added;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final int[] prefix;
    private final int[] suffix;
    private final boolean byteLevelDecoding;
    private final String spaceReplacement;
    private final boolean stripLeadingSpace;

    private HfTokenizer(BpeModel model, AddedTokens added, TextNormalizer normalizer, PreTokenizer preTokenizer, int[] prefix,
            int[] suffix, boolean byteLevelDecoding, String spaceReplacement, boolean stripLeadingSpace) {
        this.model = model;
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.prefix = prefix;
        this.suffix = suffix;
        this.byteLevelDecoding = byteLevelDecoding;
        this.spaceReplacement = spaceReplacement;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /**
     * Reads a {@code tokenizer.json} file.
     *
     * @throws IllegalArgumentException when the file is missing, not JSON, or uses an unsupported model or component
     */
    public static HfTokenizer load(Path path) {
        requireNonNull(path, "path is null");
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("tokenizer.json not found: " + path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /** Reads the text of a {@code tokenizer.json}. */
    public static HfTokenizer parse(String json) {
        requireNonNull(json, "json is null");
        JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (!root.isObject() || !root.path("model").isObject()) {
            throw new IllegalArgumentException("not a tokenizer.json: no \"model\" object");
        }
        BpeModel model = BpeModel.parse(root.path("model"));
        AddedTokens added = AddedTokens.parse(root.path("added_tokens"));
        TextNormalizer normalizer = TextNormalizer.parse(root.path("normalizer"));
        PreTokenizer preTokenizer = PreTokenizer.parse(root.path("pre_tokenizer"));
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        postProcessor(root.path("post_processor"), prefix, suffix);
        JsonNode decoder = root.path("decoder");
        boolean byteLevel = mentionsType(decoder, "ByteLevel") || (decoder.isMissingNode() || decoder.isNull())
                && mentionsType(root.path("pre_tokenizer"), "ByteLevel");
        String replacement = findString(decoder, "Metaspace", "replacement").orElse("\u2581");
        boolean strip = mentionsType(decoder, "Strip") || mentionsType(decoder, "Metaspace");
        return new HfTokenizer(model, added, normalizer, preTokenizer, toArray(prefix), toArray(suffix), byteLevel, replacement, strip);
    }

    /**
     * The ids of {@code text}; with {@code addSpecialTokens} the post-processor's tokens around them (the BOS of
     * Llama-style templates), as {@code tokenizer(text)} does by default.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        requireNonNull(text, "text is null");
        BpeModel.IntBuffer out = new BpeModel.IntBuffer(text.length() / 3 + 4);
        if (addSpecialTokens) {
            out.addAll(prefix);
        }
        for (AddedTokens.Segment seg : added.split(text)) {
            if (seg.isToken()) {
                out.add(seg.id());
                continue;
            }
            String normalized = normalizer.normalize(seg.text());
            if (normalized.isEmpty()) {
                continue;
            }
            for (PreTokenizer.Piece word : preTokenizer.split(List.of(new PreTokenizer.Piece(normalized, seg.atStart())))) {
                model.encodeWord(word.text(), out);
            }
        }
        if (addSpecialTokens) {
            out.addAll(suffix);
        }
        return out.toArray();
    }

    /**
     * The UTF-8 bytes {@code ids} decode to when they follow {@code previousId} (-1: at the start of the text),
     * special tokens left out. A leading space is dropped at the start of the text or after a special token when the
     * decoder strips the SentencePiece dummy prefix.
     */
    public byte[] decodeBytes(int previousId, int[] ids) {
        requireNonNull(ids, "ids is null");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean atStart = previousId < 0 || added.isSpecial(previousId);
        for (int id : ids) {
            if (added.isSpecial(id)) {
                atStart = true;
                continue;
            }
            String token = model.token(id);
            if (token == null) {
                token = added.content(id);
            }
            if (token == null) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + model.size());
            }
            byte[] piece = pieceBytes(token);
            int from = atStart && stripLeadingSpace && !byteLevelDecoding && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            bytes.write(piece, from, piece.length - from);
            atStart = false;
        }
        return bytes.toByteArray();
    }

    /** Tokens of the vocabulary (the highest id plus one). */
    public int vocabSize() {
        return model.size();
    }

    /** The id of a vocabulary token, if there is one. */
    public Optional<Integer> tokenId(String token) {
        return model.id(token);
    }

    private byte[] pieceBytes(String token) {
        if (byteLevelDecoding) {
            byte[] out = new byte[token.length()];
            for (int i = 0; i < token.length(); i++) {
                int b = ByteLevelAlphabet.byteOf(token.charAt(i));
                if (b < 0) {
                    return token.getBytes(StandardCharsets.UTF_8); // an added token spelled in plain text
                }
                out[i] = (byte) b;
            }
            return out;
        }
        if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // an ordinary token that looks like one
            }
        }
        return token.replace(spaceReplacement, " ").getBytes(StandardCharsets.UTF_8);
    }

    private static void postProcessor(JsonNode node, List<Integer> prefix, List<Integer> suffix) {
        if (node.isNull() || node.isMissingNode()) {
            return;
        }
        String type = node.path("type").asString("");
        switch (type) {
            case "TemplateProcessing" -> {
                boolean seenSequence = false;
                for (JsonNode item : node.path("single").values()) {
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.path("SpecialToken").path("id").asString("");
                        JsonNode special = node.path("special_tokens").path(name);
                        if (!special.path("ids").isArray()) {
                            throw new IllegalArgumentException("post_processor template names special token '" + name + "' without ids");
                        }
                        for (JsonNode id : special.path("ids").values()) {
                            (seenSequence ? suffix : prefix).add(id.asInt());
                        }
                    }
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                prefix.add(node.path("cls").path(1).asInt());
                suffix.add(node.path("sep").path(1).asInt());
            }
            case "Sequence" -> node.path("processors").values().forEach(p -> postProcessor(p, prefix, suffix));
            case "ByteLevel" -> {
                // Only adjusts offsets.
            }
            default -> throw new IllegalArgumentException("unsupported post_processor type '" + type
                    + "'; supported: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence");
        }
    }

    private static boolean mentionsType(JsonNode node, String type) {
        if (node.isObject()) {
            if (type.equals(node.path("type").asString(""))) {
                return true;
            }
            for (var e : node.properties()) {
                if (mentionsType(e.getValue(), type)) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode v : node.values()) {
                if (mentionsType(v, type)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Optional<String> findString(JsonNode node, String type, String field) {
        if (node.isObject() && type.equals(node.path("type").asString("")) && node.path(field).isString()) {
            return Optional.of(node.path(field).stringValue());
        }
        if (node.isContainer()) {
            for (JsonNode v : node.values()) {
                Optional<String> found = findString(v, type, field);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
