package io.llumnix.sim.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.sim.workload.Priority;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

class ReportOutputTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path tmp;

    @Test
    void table_renders_aligned_columns() {
        Table t = new Table(List.of("run", "requests", "ttft_p99_ms"), List.of(
                List.of("rr", "1000", "4210.5"),
                List.of("llumnix", "1000", "12.25")));

        String text = TableRenderer.render(t);

        assertThat(text).isEqualTo("""
                run      requests  ttft_p99_ms
                -------  --------  -----------
                rr           1000       4210.5
                llumnix      1000        12.25
                """);
    }

    @Test
    void csv_round_trips_tables_with_awkward_cells() {
        Table t = new Table(List.of("name", "note"), List.of(
                List.of("a,b", "say \"hi\""),
                List.of("multi\nline", ""),
                List.of("plain", "1.5")));
        Path file = tmp.resolve("t.csv");
        CsvTables.write(file, t);
        assertThat(CsvTables.read(file)).isEqualTo(t);
    }

    @Test
    void request_records_round_trip_through_csv() {
        SplittableRandom rng = new SplittableRandom(1);
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long arrival = rng.nextLong(1_000_000_000_000L);
            long first = arrival + rng.nextLong(5_000_000_000L);
            long finish = first + rng.nextLong(60_000_000_000L);
            records.add(new RequestRecord(i, rng.nextInt(10) == 0 ? Priority.HIGH : Priority.NORMAL, 1 + rng.nextInt(8000),
                    1 + rng.nextInt(1000), arrival, first, finish, rng.nextInt(3), rng.nextLong(1_000_000_000L), rng.nextInt(2)));
        }
        Path file = tmp.resolve("requests.csv");
        RequestRecordCsv.write(file, records);
        assertThat(RequestRecordCsv.read(file)).isEqualTo(records);
    }

    @Test
    void charts_render_to_valid_png_files() throws Exception {
        XYChart line = Charts.latencyVsRate("P99 TTFT vs rate", "P99 TTFT (ms)", List.of(
                new Charts.Series("round-robin", new double[] {1, 2, 4}, new double[] {100, 400, 5000}),
                new Charts.Series("llumnix", new double[] {1, 2, 4}, new double[] {90, 150, 600})));
        Map<String, double[]> samples = new LinkedHashMap<>();
        SplittableRandom rng = new SplittableRandom(2);
        samples.put("llumnix", rng.doubles(10_000, 0, 1000).toArray());
        samples.put("infaas++", rng.doubles(10_000, 0, 3000).toArray());
        XYChart cdf = Charts.cdf("TTFT CDF", "TTFT (ms)", samples);
        InstanceTimeline timeline = new InstanceTimeline();
        timeline.record(0, 4);
        timeline.record(30_000_000_000L, 7);
        timeline.record(90_000_000_000L, 5);
        XYChart steps = Charts.instancesOverTime("instances", Map.of("llumnix", timeline), 120_000_000_000L);

        for (var e : Map.of("line", line, "cdf", cdf, "steps", steps).entrySet()) {
            Path png = tmp.resolve(e.getKey() + ".png");
            Charts.savePng(e.getValue(), png);
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes.length).isGreaterThan(1000);
            assertThat(java.util.Arrays.copyOf(bytes, 8)).isEqualTo(PNG_SIGNATURE);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(900);
            assertThat(image.getHeight()).isEqualTo(560);
        }
        assertThat(cdf.getSeries("llumnix").getXData().length).isLessThanOrEqualTo(Charts.MAX_CDF_POINTS + 2);
    }

    @Test
    void report_folder_has_csvs_pngs_and_an_index_linking_them() throws Exception {
        RunSummary s = RunSummary.of("rr <baseline>", List.of(new RequestRecord(0, Priority.NORMAL, 5, 3, 0, 1_000_000, 3_000_000, 0, 0, 0)));
        ReportWriter report = new ReportWriter(tmp.resolve("report"), "serving & co");
        report.heading("Summary").paragraph("1 request");
        Path csv = report.table("summary", Table.of(List.of(s)));
        Path png = report.chart("ttft", Charts.latencyVsRate("ttft", "ms", List.of(new Charts.Series("rr", new double[] {1}, new double[] {1}))));
        Path index = report.finish();

        assertThat(csv).exists();
        assertThat(png).exists();
        String html = Files.readString(index);
        assertThat(html).contains("<title>serving &amp; co</title>", "href=\"summary.csv\"", "src=\"ttft.png\"",
                "<td>rr &lt;baseline&gt;</td>", "<th>ttft_p99_ms</th>");
        assertThat(CsvTables.read(csv).rows().getFirst().getFirst()).isEqualTo("rr <baseline>");
        assertThatThrownBy(() -> report.heading("late")).isInstanceOf(IllegalStateException.class);
        ReportWriter again = new ReportWriter(tmp.resolve("r2"), "t");
        again.table("x", Table.of(List.of(s)));
        assertThatThrownBy(() -> again.table("x", Table.of(List.of(s)))).hasMessageContaining("already has a file x.csv");
        assertThatThrownBy(() -> again.table("../escape", Table.of(List.of(s)))).hasMessageContaining("report file name");
    }
}
