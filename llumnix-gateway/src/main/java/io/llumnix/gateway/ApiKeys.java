package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys a gateway accepts ({@code Authorization: Bearer KEY}) and each key's limits. With no keys
 * configured the gateway is open. Immutable and thread-safe; lookups compare keys in constant time.
 *
 * <p>Key file format, one key per line ({@code #} starts a comment):
 * <pre>
 * sk-team-a  name=team-a  rpm=600  tpm=200000
 * sk-batch   rpm=60
 * </pre>
 * The environment variable {@code LLUMNIX_API_KEYS} holds the same entries separated by commas, fields by
 * spaces ({@code sk-a rpm=10,sk-b}). Limits left out (or 0) are unlimited.
 */
public final class ApiKeys {

    /** The environment variable read by {@link #fromEnvironmentAndFile(Optional)}. */
    public static final String ENV = "LLUMNIX_API_KEYS";

    /**
     * One key.
     *
     * @param name label for logs and metrics (never the key itself)
     * @param requestsPerMinute 0 for unlimited
     * @param tokensPerMinute prompt plus completion tokens; 0 for unlimited
     */
    public record Key(String key, String name, long requestsPerMinute, long tokensPerMinute) {
        public Key {
            requireNonNull(key, "key is null");
            requireNonNull(name, "name is null");
            if (key.isBlank() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("an API key must be non-empty and without spaces");
            }
            if (requestsPerMinute < 0 || tokensPerMinute < 0) {
                throw new IllegalArgumentException("limits of key '" + name + "' must not be negative");
            }
        }

        @Override
        public String toString() {
            return "Key[name=" + name + ", rpm=" + requestsPerMinute + ", tpm=" + tokensPerMinute + "]";
        }
    }

    private final Map<String, Key> keys;

    private ApiKeys(List<Key> keys) {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : keys) {
            if (m.put(k.key(), k) != null) {
                throw new IllegalArgumentException("API key '" + k.name() + "' is listed twice");
            }
        }
        this.keys = Map.copyOf(m);
    }

    /** No keys: every request is let in, without limits. */
    public static ApiKeys open() {
        return new ApiKeys(List.of());
    }

    public static ApiKeys of(List<Key> keys) {
        return new ApiKeys(keys);
    }

    /** Keys from {@code LLUMNIX_API_KEYS} and, if given, a key file. */
    public static ApiKeys fromEnvironmentAndFile(Optional<Path> file) {
        List<Key> all = new ArrayList<>();
        String env = System.getenv(ENV);
        if (env != null) {
            all.addAll(parse(env.replace(',', '\n'), ENV));
        }
        if (file.isPresent()) {
            try {
                all.addAll(parse(Files.readString(file.get(), StandardCharsets.UTF_8), file.get().toString()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the API key file " + file.get() + ": " + e.getMessage(), e);
            }
        }
        return new ApiKeys(all);
    }

    /** Parses key-file text; {@code source} names it in error messages. */
    public static List<Key> parse(String text, String source) {
        List<Key> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String key = fields[0];
            String name = "key-" + (out.size() + 1);
            long rpm = 0;
            long tpm = 0;
            for (int i = 1; i < fields.length; i++) {
                String f = fields[i];
                int eq = f.indexOf('=');
                String where = source + " line " + (n + 1);
                if (eq <= 0) {
                    throw new IllegalArgumentException(where + ": expected name=, rpm= or tpm=, got '" + f + "'");
                }
                String value = f.substring(eq + 1);
                switch (f.substring(0, eq)) {
                    case "name" -> name = value;
                    case "rpm" -> rpm = parseLimit(value, where);
                    case "tpm" -> tpm = parseLimit(value, where);
                    default -> throw new IllegalArgumentException(where + ": unknown field '" + f.substring(0, eq) + "'; valid: name, rpm, tpm");
                }
            }
            out.add(new Key(key, name, rpm, tpm));
        }
        return out;
    }

    private static long parseLimit(String value, String where) {
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": a limit must be a non-negative integer, got '" + value + "'");
        }
    }

    /** Whether requests need a key. */
    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** The key an {@code Authorization} header value presents, if it is one of ours. */
    public Optional<Key> authenticate(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = authorizationHeader.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        Key found = null;
        for (Key k : keys.values()) {
            // Compare against every key in constant time: no timing hint about which prefix matched.
            if (MessageDigest.isEqual(presented, k.key().getBytes(StandardCharsets.UTF_8))) {
                found = k;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The key named {@code name} (the first, if several share it): batch lines run with their owner's key. */
    public Optional<Key> named(String name) {
        return keys.values().stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public int size() {
        return keys.size();
    }
}
