package io.llumnix.gateway.tokenize;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds {@code tokenizer.json} fixtures from tokenizers we already have offline, the way Hugging Face's converters
 * would: GPT-2's from the tiktoken {@code r50k_base} ranks that ship inside jtokkit, and a Llama-2-flavoured one
 * from the llama2.c {@code tok512.bin} of stories260K.
 */
final class TestingTokenizerJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TestingTokenizerJson() {}

    /**
     * GPT-2 as Hugging Face ships it ({@code openai-community/gpt2}): byte-level BPE, no prefix space,
     * {@code <|endoftext|>} as the one added token, merges in the {@code "a b"} string form. tiktoken keeps only
     * token ranks; GPT-2's merge for the token of rank R is recovered as the two parts that tiktoken's own BPE,
     * allowed only ranks below R, leaves of the token's bytes (token R was created by exactly that merge).
     */
    static String gpt2FromR50k() {
        return Gpt2.JSON_TEXT;
    }

    /**
     * GPT-4's {@code cl100k_base} in the shape of Hugging Face's GPT-4 ports: a {@code Split} on the cl100k regex,
     * then {@code ByteLevel} without its own regex, and {@code ignore_merges} (a word that is a whole token is that
     * token, as tiktoken looks words up before merging).
     */
    static String cl100kFromTiktoken() {
        return Cl100k.JSON_TEXT;
    }

    /** Built once per test JVM: the conversions take a second or two each. */
    private static final class Gpt2 {
        static final String JSON_TEXT = buildGpt2();
    }

    private static final class Cl100k {
        static final String JSON_TEXT = buildCl100k();
    }

    private static String buildGpt2() {
        ObjectNode pre = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        return fromTiktoken("r50k_base", Map.of("<|endoftext|>", 50256), pre, false);
    }

    private static String buildCl100k() {
        String regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        ObjectNode split = JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.set("pattern", JSON.createObjectNode().put("Regex", regex));
        ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        ObjectNode pre = JSON.createObjectNode().put("type", "Sequence");
        pre.set("pretokenizers", JSON.createArrayNode().add(split).add(byteLevel));
        return fromTiktoken("cl100k_base", Map.of("<|endoftext|>", 100257, "<|fim_prefix|>", 100258), pre, true);
    }

    private static String fromTiktoken(String encoding, Map<String, Integer> specials, ObjectNode preTokenizer, boolean ignoreMerges) {
        Map<String, Integer> ranks = new LinkedHashMap<>(); // token bytes as ISO-8859-1 → rank
        try (InputStream in = TestingTokenizerJson.class.getResourceAsStream("/com/knuddels/jtokkit/" + encoding + ".tiktoken")) {
            if (in == null) {
                throw new IllegalStateException(encoding + ".tiktoken not on the classpath (jtokkit jar)");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                ranks.put(new String(Base64.getDecoder().decode(parts[0]), ISO_8859_1), Integer.parseInt(parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode root = skeleton();
        ObjectNode vocab = JSON.createObjectNode();
        ArrayNode merges = JSON.createArrayNode();
        List<Map.Entry<String, Integer>> byRank = new ArrayList<>(ranks.entrySet());
        byRank.sort(Map.Entry.comparingByValue());
        for (Map.Entry<String, Integer> e : byRank) {
            vocab.put(byteLevel(e.getKey()), e.getValue());
            if (e.getKey().length() > 1) {
                List<String> parts = tiktokenBpe(e.getKey(), ranks, e.getValue());
                if (parts.size() != 2) {
                    throw new IllegalStateException("rank " + e.getValue() + " is not one merge of lower ranks: " + parts);
                }
                merges.add(byteLevel(parts.get(0)) + " " + byteLevel(parts.get(1)));
            }
        }
        ArrayNode added = JSON.createArrayNode();
        specials.forEach((name, id) -> {
            vocab.put(name, id);
            added.add(addedToken(id, name, true));
        });
        root.set("added_tokens", added);
        root.set("pre_tokenizer", preTokenizer);
        ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        root.set("post_processor", byteLevel);
        root.set("decoder", byteLevel.deepCopy());
        ObjectNode model = bpe(vocab, merges, null, false);
        model.put("ignore_merges", ignoreMerges);
        root.set("model", model);
        return root.toString();
    }

    /**
     * stories260K's llama2.c tokenizer as a Llama 2 {@code tokenizer.json} (what {@code LlamaConverter} makes of a
     * SentencePiece model): {@code ▁} for spaces via a {@code Prepend}/{@code Replace} normalizer, byte fallback, and
     * every split of a vocabulary piece into two vocabulary pieces as a merge, ordered by the piece's score
     * (SentencePiece merges the best-scoring piece first), merges in the {@code ["a", "b"]} array form. llama2.c
     * exported BOS and EOS as {@code "\n<s>\n"} and {@code "\n</s>\n"}; they get their SentencePiece names back.
     */
    static String llamaFromLlama2c(Path tokenizerBin) {
        ByteBuffer buf;
        try {
            buf = ByteBuffer.wrap(Files.readAllBytes(tokenizerBin)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.getInt(); // max_token_length
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            scores.add(buf.getFloat());
            byte[] piece = new byte[buf.getInt()];
            buf.get(piece);
            pieces.add(new String(piece, UTF_8).replace(" ", "\u2581"));
        }
        pieces.set(0, "<unk>");
        pieces.set(1, "<s>");
        pieces.set(2, "</s>");
        Map<String, Integer> ids = new HashMap<>();
        ObjectNode vocab = JSON.createObjectNode();
        for (int id = 0; id < pieces.size(); id++) {
            if (ids.putIfAbsent(pieces.get(id), id) != null) {
                throw new IllegalStateException("duplicate piece " + pieces.get(id) + " at " + id);
            }
            vocab.put(pieces.get(id), id);
        }
        record Merge(String left, String right, float score, int merged) {}
        List<Merge> list = new ArrayList<>();
        int firstNormal = 3 + 256;
        for (int id = firstNormal; id < pieces.size(); id++) {
            String p = pieces.get(id);
            for (int cut = p.offsetByCodePoints(0, 1); cut < p.length(); cut = p.offsetByCodePoints(cut, 1)) {
                Integer l = ids.get(p.substring(0, cut));
                Integer r = ids.get(p.substring(cut));
                if (l != null && r != null && l >= firstNormal && r >= firstNormal) {
                    list.add(new Merge(p.substring(0, cut), p.substring(cut), scores.get(id), id));
                }
            }
        }
        list.sort(Comparator.comparing((Merge m) -> -m.score()).thenComparingInt(Merge::merged)
                .thenComparingInt(m -> ids.get(m.left())).thenComparingInt(m -> ids.get(m.right())));
        ArrayNode merges = JSON.createArrayNode();
        list.forEach(m -> merges.add(JSON.createArrayNode().add(m.left()).add(m.right())));
        ObjectNode root = skeleton();
        root.set("added_tokens", JSON.createArrayNode().add(addedToken(0, "<unk>", true)).add(addedToken(1, "<s>", true))
                .add(addedToken(2, "</s>", true)));
        ArrayNode normalizers = JSON.createArrayNode();
        normalizers.add(JSON.createObjectNode().put("type", "Prepend").put("prepend", "\u2581"));
        normalizers.add(JSON.createObjectNode().put("type", "Replace").put("content", "\u2581")
                .set("pattern", JSON.createObjectNode().put("String", " ")));
        root.set("normalizer", JSON.createObjectNode().put("type", "Sequence").set("normalizers", normalizers));
        root.putNull("pre_tokenizer");
        ObjectNode post = JSON.createObjectNode().put("type", "TemplateProcessing");
        post.set("single", JSON.createArrayNode()
                .add(JSON.createObjectNode().set("SpecialToken", JSON.createObjectNode().put("id", "<s>").put("type_id", 0)))
                .add(JSON.createObjectNode().set("Sequence", JSON.createObjectNode().put("id", "A").put("type_id", 0))));
        post.set("pair", JSON.createArrayNode()
                .add(JSON.createObjectNode().set("SpecialToken", JSON.createObjectNode().put("id", "<s>").put("type_id", 0)))
                .add(JSON.createObjectNode().set("Sequence", JSON.createObjectNode().put("id", "A").put("type_id", 0)))
                .add(JSON.createObjectNode().set("SpecialToken", JSON.createObjectNode().put("id", "<s>").put("type_id", 1)))
                .add(JSON.createObjectNode().set("Sequence", JSON.createObjectNode().put("id", "B").put("type_id", 1))));
        ObjectNode bos = JSON.createObjectNode().put("id", "<s>");
        bos.set("ids", JSON.createArrayNode().add(1));
        bos.set("tokens", JSON.createArrayNode().add("<s>"));
        post.set("special_tokens", JSON.createObjectNode().set("<s>", bos));
        root.set("post_processor", post);
        ArrayNode decoders = JSON.createArrayNode();
        decoders.add(JSON.createObjectNode().put("type", "Replace").put("content", " ")
                .set("pattern", JSON.createObjectNode().put("String", "\u2581")));
        decoders.add(JSON.createObjectNode().put("type", "ByteFallback"));
        decoders.add(JSON.createObjectNode().put("type", "Fuse"));
        decoders.add(JSON.createObjectNode().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0));
        root.set("decoder", JSON.createObjectNode().put("type", "Sequence").set("decoders", decoders));
        root.set("model", bpe(vocab, merges, "<unk>", true));
        return root.toString();
    }

    private static ObjectNode skeleton() {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putNull("normalizer");
        return root;
    }

    private static ObjectNode bpe(ObjectNode vocab, ArrayNode merges, String unk, boolean sentencePiece) {
        ObjectNode model = JSON.createObjectNode().put("type", "BPE");
        model.putNull("dropout");
        if (unk == null) {
            model.putNull("unk_token");
        } else {
            model.put("unk_token", unk);
        }
        if (sentencePiece) {
            model.putNull("continuing_subword_prefix");
            model.putNull("end_of_word_suffix");
        } else {
            model.put("continuing_subword_prefix", "");
            model.put("end_of_word_suffix", "");
        }
        model.put("fuse_unk", sentencePiece).put("byte_fallback", sentencePiece).put("ignore_merges", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        return model;
    }

    private static ObjectNode addedToken(int id, String content, boolean special) {
        return JSON.createObjectNode().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", special);
    }

    private static String byteLevel(String latin1) {
        StringBuilder out = new StringBuilder(latin1.length());
        for (int i = 0; i < latin1.length(); i++) {
            out.append(ByteLevelAlphabet.charOf(latin1.charAt(i)));
        }
        return out.toString();
    }

    /** tiktoken's byte-pair merge (lowest-ranked concatenation first, leftmost on ties) using ranks below {@code limit}. */
    private static List<String> tiktokenBpe(String token, Map<String, Integer> ranks, int limit) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < token.length(); i++) {
            parts.add(token.substring(i, i + 1));
        }
        while (parts.size() > 1) {
            int best = -1;
            int bestRank = limit;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
        return parts;
    }
}
