package io.llumnix.gateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A tiny run of the gateway benchmark: direct and gateway always, nginx when it is installed. */
class TestGatewayBenchmark {

    private static GatewayBenchmark.Result tiny(boolean nginx, ByteArrayOutputStream out) {
        return GatewayBenchmark.run(new GatewayBenchmark.Options(4, 4, Duration.ofMillis(800), Duration.ofMillis(300), 100_000, nginx),
                new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(30)
    void directAndGatewayStreamWithoutErrors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GatewayBenchmark.Result r = tiny(false, out);
        assertEquals(2, r.targets().size());
        for (GatewayBenchmark.Target t : r.targets()) {
            assertTrue(t.requests() > 0, t.name() + " completed no request");
            assertEquals(0, t.errors(), t.name() + " had errors");
        }
        Map<String, Object> s = r.summary();
        assertTrue(s.containsKey("throughput_ratio_vs_nginx"));
        assertTrue(s.containsKey("added_p99_ratio_vs_nginx"));
        assertEquals(null, s.get("throughput_ratio_vs_nginx"));
        assertTrue(((Map<?, ?>) s.get("targets")).containsKey("gateway"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("nginx not measured"));
    }

    @Test
    @Timeout(30)
    void nginxTargetGivesTheRatios() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nginx")), "nginx is not installed");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GatewayBenchmark.Result r = tiny(true, out);
        assertEquals(3, r.targets().size());
        GatewayBenchmark.Target nginx = r.target("nginx").orElseThrow();
        assertTrue(nginx.requests() > 0);
        assertEquals(0, nginx.errors());
        Map<String, Object> s = r.summary();
        assertTrue(s.get("throughput_ratio_vs_nginx") instanceof Double d && d > 0, String.valueOf(s));
        assertTrue(s.get("added_p99_ratio_vs_nginx") instanceof Double, String.valueOf(s));
        assertTrue(((Map<?, ?>) s.get("targets")).containsKey("nginx"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("gateway/nginx throughput"));
    }
}
