package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * Per served model: the tokenizer the gateway counts and hashes prompts with, and the KV block size of the
 * instances (the prefix hashes are computed per full block). Models not listed use the default profile.
 * Immutable and thread-safe.
 */
public final class ModelCatalog {

    /**
     * How the gateway tokenizes one model's prompts.
     *
     * @param kvBlockSize tokens per KV block of the instances (prefix hashes cover full blocks)
     * @param maxModelLen the model's context length; 0 when unknown (a chat request without a length limit then
     *     cannot be resumed after a failure, since its remaining length is unknown)
     */
    public record Profile(PromptTokenizer tokenizer, int kvBlockSize, int maxModelLen) {
        public Profile {
            requireNonNull(tokenizer, "tokenizer is null");
            if (kvBlockSize < 1) {
                throw new IllegalArgumentException("kvBlockSize must be positive, got " + kvBlockSize);
            }
            if (maxModelLen < 0) {
                throw new IllegalArgumentException("maxModelLen must not be negative, got " + maxModelLen);
            }
        }

        public Profile(PromptTokenizer tokenizer, int kvBlockSize) {
            this(tokenizer, kvBlockSize, 0);
        }
    }

    private final Map<String, Profile> profiles;
    private final Profile fallback;

    private ModelCatalog(Map<String, Profile> profiles, Profile fallback) {
        this.profiles = Map.copyOf(profiles);
        this.fallback = requireNonNull(fallback, "fallback is null");
    }

    /** Every model tokenized with {@code fallback}. */
    public static ModelCatalog of(Profile fallback) {
        return new ModelCatalog(Map.of(), fallback);
    }

    /** Counts with tiktoken's {@code cl100k_base} (a fair estimate for unknown backends), 16-token blocks. */
    public static ModelCatalog estimating() {
        return of(new Profile(PromptTokenizer.tiktoken("cl100k_base"), 16));
    }

    /** This catalog plus {@code model} tokenized with {@code profile}. */
    public ModelCatalog with(String model, Profile profile) {
        requireNonNull(model, "model is null");
        requireNonNull(profile, "profile is null");
        Map<String, Profile> next = new TreeMap<>(profiles);
        next.put(model, profile);
        return new ModelCatalog(next, fallback);
    }

    /** The profile of {@code model} (the default one for unlisted models and for requests that name none). */
    public Profile profile(String model) {
        return profiles.getOrDefault(model, fallback);
    }

    /** Models listed explicitly. */
    public java.util.Set<String> models() {
        return profiles.keySet();
    }
}
