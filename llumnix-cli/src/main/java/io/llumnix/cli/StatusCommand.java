package io.llumnix.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code llumnix status}: the live cluster in the terminal. Fetches the gateway's {@code GET /api/cluster} and prints
 * one aligned table — each instance's state, a load bar, its queues, KV usage, tokens, step time and free migrate
 * slots, a totals row — then the migrations the gateway followed most recently. {@code --watch} redraws every second
 * until Ctrl-C; {@code --json} prints the document as the gateway sent it. An unreachable gateway is a one-line error
 * and exit status 1.
 *
 * <p>Not thread-safe; one run per instance, as picocli creates it.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows the cluster behind a gateway: instances, load, queues, KV usage and recent migrations.")
final class StatusCommand implements Callable<Integer> {

    static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int BAR_WIDTH = 20;
    private static final int MIGRATIONS_SHOWN = 10;
    private static final String CLEAR_SCREEN = "\033[H\033[2J";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8000",
            description = "The gateway (default ${DEFAULT-VALUE}).")
    String url = "http://127.0.0.1:8000";

    @Option(names = "--watch", description = "Redraw every second until Ctrl-C.")
    boolean watch;

    @Option(names = "--json", description = "Print the gateway's JSON (with --watch: one document per line).")
    boolean json;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Key for a gateway with API keys reached from another host (loopback needs none).")
    Optional<String> apiKey = Optional.empty();

    @ParentCommand
    Main main;

    private final JsonMapper mapper = JsonMapper.builder().build();

    @Override
    public Integer call() throws InterruptedException {
        URI endpoint = endpoint();
        PrintStream out = main.out();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build()) {
            String first = fetch(http, endpoint); // an unreachable gateway fails the command here
            if (!watch) {
                out.print(json ? mapper.writerWithDefaultPrettyPrinter().writeValueAsString(parse(first)) + "\n" : render(parse(first)));
                out.flush();
                return 0;
            }
            Optional<String> latest = Optional.of(first);
            String problem = "";
            while (true) {
                if (latest.isPresent()) {
                    out.print(json ? latest.get().strip() + "\n" : CLEAR_SCREEN + render(parse(latest.get())));
                } else if (json) {
                    main.err().println("llumnix status: " + problem);
                } else {
                    // Keep watching through a gateway restart; say so instead of showing a stale table.
                    out.print(CLEAR_SCREEN + "llumnix status: " + problem + "\n");
                }
                out.flush();
                try {
                    Thread.sleep(REFRESH);
                    latest = Optional.of(fetch(http, endpoint));
                } catch (InterruptedException e) {
                    return 0; // Ctrl-C, or a caller stopping the watch
                } catch (UserException e) {
                    latest = Optional.empty();
                    problem = e.getMessage();
                }
            }
        }
    }

    private URI endpoint() {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI u = URI.create(base + "/api/cluster");
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new UserException("--url must be an http(s) URL like http://127.0.0.1:8000, got '" + url + "'");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new UserException("--url must be an http(s) URL like http://127.0.0.1:8000, got '" + url + "'", e);
        }
    }

    /** The body of {@code GET /api/cluster}; a {@link UserException} with one line when the gateway cannot answer. */
    private String fetch(HttpClient http, URI endpoint) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).header("Accept", "application/json");
        apiKey.ifPresent(k -> request.header("Authorization", "Bearer " + k));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new UserException("cannot reach the gateway at " + url + " (connection refused; is llumnix serve running?)", e);
        } catch (HttpTimeoutException e) {
            throw new UserException("the gateway at " + url + " did not answer within " + TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new UserException("cannot reach the gateway at " + url + ": " + e, e);
        }
        if (response.statusCode() != 200) {
            String body = response.body().strip();
            throw new UserException("GET " + endpoint + " answered HTTP " + response.statusCode()
                    + (body.isEmpty() ? "" : ": " + errorMessage(body)));
        }
        return response.body();
    }

    private String errorMessage(String body) {
        try {
            String m = mapper.readTree(body).path("error").path("message").asString("");
            return m.isEmpty() ? truncate(body) : m;
        } catch (JacksonException e) {
            return truncate(body);
        }
    }

    private JsonNode parse(String body) {
        try {
            return mapper.readTree(body);
        } catch (JacksonException e) {
            throw new UserException(url + " did not answer with the cluster JSON (is it a llumnix gateway?): " + truncate(body), e);
        }
    }

    /** The table, the totals and the recent migrations, as text. */
    String render(JsonNode cluster) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"INSTANCE", "STATE", "LOAD", "WAIT", "RUN", "LOAD'G", "DISP", "KV %", "TOKENS", "STEP ms", "MIG in/out"});
        long maxLoad = 1;
        for (JsonNode i : cluster.path("instances")) {
            maxLoad = Math.max(maxLoad, load(i));
        }
        for (JsonNode i : cluster.path("instances")) {
            String state = !i.path("reporting").asBoolean() ? "lite" : i.path("schedulable").asBoolean() ? "up" : "draining";
            String role = i.path("role").asString("neutral");
            rows.add(new String[] {i.path("id").asString() + (role.equals("neutral") ? "" : " (" + role + ")"), state, bar(load(i), maxLoad) + " " + load(i), num(i, "waiting"), num(i, "running"),
                    num(i, "loading"), num(i, "dispatched"), String.format("%.1f", i.path("kv_usage_percent").asDouble()),
                    i.path("used_tokens").asLong() + "/" + i.path("total_tokens").asLong(),
                    String.format("%.1f", i.path("step_duration_ms").asDouble()),
                    i.path("migrate_in_slots").asInt() + "/" + i.path("migrate_out_slots").asInt()});
        }
        JsonNode t = cluster.path("totals");
        rows.add(new String[] {"total", t.path("schedulable").asInt() + "/" + t.path("instances").asInt() + " up", "", num(t, "waiting"),
                num(t, "running"), num(t, "loading"), num(t, "dispatched"), String.format("%.1f", t.path("kv_usage_percent").asDouble()),
                t.path("used_tokens").asLong() + "/" + t.path("total_tokens").asLong(), "", ""});
        StringBuilder sb = new StringBuilder();
        JsonNode g = cluster.path("gateway");
        sb.append("llumnix status  ").append(url).append("  ").append(TIME.format(Instant.ofEpochMilli(cluster.path("now_ms").asLong())))
                .append('\n');
        sb.append("gateway: in flight ").append(g.path("in_flight").asLong()).append(", queued ").append(g.path("queued").asLong())
                .append(", migrations followed ").append(g.path("migrations_followed").asLong()).append(", retries ")
                .append(g.path("retries").asLong()).append(", resumes ").append(g.path("resumes").asLong()).append("\n\n");
        if (cluster.path("instances").isEmpty()) {
            sb.append("no instances known\n");
        } else {
            table(sb, rows);
        }
        JsonNode migrations = cluster.path("migrations");
        sb.append('\n').append(migrations.isEmpty() ? "no migrations followed yet" : "recent migrations (newest first):").append('\n');
        int shown = 0;
        for (JsonNode m : migrations) {
            if (shown++ == MIGRATIONS_SHOWN) {
                break;
            }
            sb.append("  ").append(TIME.format(Instant.ofEpochMilli(m.path("at_ms").asLong()))).append("  ").append(m.path("request_id").asString())
                    .append("  ").append(m.path("from").asString()).append(" -> ").append(m.path("to").asString()).append('\n');
        }
        return sb.toString();
    }

    /** Columns padded to their widest cell; text left-aligned, numbers right-aligned. */
    private static void table(StringBuilder sb, List<String[]> rows) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean left = c <= 2;
                String cell = r[c];
                String pad = " ".repeat(width[c] - cell.length());
                line.append(left ? cell + pad : pad + cell).append(c == columns - 1 ? "" : "  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /** Running (or, without reported load, dispatched) plus waiting plus loading requests, as the dashboard draws it. */
    private static long load(JsonNode i) {
        long active = i.path("reporting").asBoolean() ? i.path("running").asLong() : i.path("dispatched").asLong();
        return active + i.path("waiting").asLong() + i.path("loading").asLong();
    }

    private static String bar(long value, long max) {
        int filled = (int) Math.round((double) BAR_WIDTH * value / max);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
    }

    private static String num(JsonNode n, String field) {
        return Long.toString(n.path(field).asLong());
    }

    private static String truncate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
