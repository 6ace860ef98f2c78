package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint answers in text format with the server's counters. */
class MetricsTest {
    @TempDir
    Path tmp;

    @Test
    void metricsEndpointServesPrometheusText() throws Exception {
        Path img = tmp.resolve("m.img");
        Volume.mkfs(img, 128L << 20, MkfsOptions.defaults());
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            int port = d.startMetrics("127.0.0.1", 0);
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(r.body()).contains("# TYPE crfs_commits_total counter", "crfs_sessions 0",
                    "crfs_volume_generation 1", "crfs_revokes_total 0", "crfs_evictions_total 0");
        }
    }
}
