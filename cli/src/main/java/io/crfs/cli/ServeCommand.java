package io.crfs.cli;

import io.crfs.server.Crfsd;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crfs serve}: runs crfsd on a volume until interrupted (Ctrl-C commits and closes cleanly). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the volume IMAGE to crfs clients over TCP (crfsd).",
        footerHeading = "%nExamples:%n",
        footer = {"  crfs serve var/crfs.img --listen 127.0.0.1:7070",
            "  crfs serve /dev/sdb1 --listen 0.0.0.0:7070 --lease 15000 --metrics 127.0.0.1:9470"})
final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "Volume image or block device.")
    Path image;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7070",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--lease", paramLabel = "MS", defaultValue = "10000",
            description = "Client lease in milliseconds: a client silent this long is evicted (default: ${DEFAULT-VALUE}).")
    int leaseMillis;

    @Option(names = "--commit-interval", paramLabel = "MS", defaultValue = "5000",
            description = "Longest time changes wait for a commit when no client asks for fsync (default: ${DEFAULT-VALUE}).")
    long commitMillis;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Also serve Prometheus metrics at http://HOST:PORT/metrics (off by default).")
    String metrics;

    @Option(names = "--no-warm-up", description = "Serve at once, without first rehearsing common work on a scratch"
            + " volume (a few seconds at start; without it, crfsd compiles its code while serving the first clients).")
    boolean noWarmUp;

    @Override
    public Integer call() throws Exception {
        HostPort hp = HostPort.parse(listen);
        HostPort mp = metrics == null ? null : HostPort.parse(metrics);
        Crfsd d = Crfsd.start(image, hp.host(), hp.port(), new Crfsd.Options(leaseMillis, commitMillis));
        if (mp != null) {
            int port = d.startMetrics(mp.host(), mp.port());
            System.err.println("crfsd: metrics at http://" + mp.host() + ":" + port + "/metrics");
        }
        Thread hook = new Thread(() -> {
            try {
                d.close();
            } catch (Exception e) {
                System.err.println("crfs serve: closing the volume failed: " + e.getMessage());
            }
        }, "crfsd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // after the volume opened, so that a bad image fails at once; clients that come meanwhile are served
        String warm = noWarmUp ? "" : Warming.up("crfsd");
        System.err.println("crfsd: serving " + image + " on " + hp.host() + ":" + d.port() + " (Ctrl-C to stop)" + warm);
        d.awaitShutdown();
        return ExitCodes.OK;
    }
}
