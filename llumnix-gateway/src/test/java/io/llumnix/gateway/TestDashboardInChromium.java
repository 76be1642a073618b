package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard as a browser renders it: headless Chromium loads {@code /dashboard} from a gateway on loopback that
 * shows a fixed two-instance view and has followed one migration, runs the page's script (which polls
 * {@code /api/cluster}) and dumps the resulting DOM. Skipped when {@code /usr/bin/chromium} is absent
 * ({@code scripts/test} installs Debian's {@code chromium}).
 */
@Timeout(120)
class TestDashboardInChromium {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TestingClusterViews cluster;
    private Gateway gateway;
    private Path profile;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium test skipped: " + CHROMIUM
                + " is missing (install Debian's chromium: apt-get install -y chromium; scripts/test does it)");
        cluster = new TestingClusterViews();
        gateway = cluster.gateway(GatewayConfig.defaults(), ApiKeys.open(), TestingClusterViews.fixed());
        TestingClusterViews.completeOnce(gateway, http, null);
        profile = Files.createTempDirectory("llumnix-chromium-");
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (gateway != null) {
                gateway.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            http.close();
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void dashboard_rendersInstancesLoadAndMigrations() throws Exception {
        String dom = chromium("--dump-dom", gateway.baseUrl() + "/dashboard");

        assertThat(dom).contains("data-instance=\"engine-a\"", "data-instance=\"engine-b\"");
        assertThat(dom).contains("75.0 %", "3072 / 4096", "draining");
        assertThat(dom).containsPattern("<li class=\"migration[^\"]*\" data-request=\"gw-[^\"]+\">.*engine-a.*→.*engine-b");
        assertThat(dom).contains("id=\"conn\" class=\"ok\">live");
    }

    @Test
    void dashboard_screenshotIsAPicture() throws Exception {
        Path png = profile.resolve("dashboard.png");

        chromium("--screenshot=" + png, "--window-size=1400,700", gateway.baseUrl() + "/dashboard");

        assertThat(png).exists();
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertThat(head).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
    }

    /** Runs headless Chromium over the page with virtual time (the page's polls run without real waiting); stdout. */
    private String chromium(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.resolve("profile"), "--virtual-time-budget=3000"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(profile.resolve("chromium.log").toFile()).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("chromium exit status; log: %s", Files.readString(profile.resolve("chromium.log"))).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }
}
