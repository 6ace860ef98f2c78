package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many FUSE requests a network mount's work sends, as the kernel counts them (its
 * {@code fuse_request_send} tracepoint, filtered to this mount's connection). Each synchronous
 * request is a round trip between the caller and the mount, which costs more on these machines
 * than what crfs does for it; this guards against one more of them sneaking in. The counts are
 * what this kernel needs: a create is LOOKUP, CREATE, FLUSH, RELEASE and the directory's GETATTR
 * (the kernel marks its attributes stale at every create, and its permission check on the path
 * then asks for them; a kernel that keeps them may leave that out), a 1 MiB write one WRITE. Needs root,
 * /dev/fuse and tracefs with the FUSE events (bench/fuse-requests.sh counts more kinds of work).
 */
class FuseRequestCountTest {
    private static final Path TRACING = Path.of("/sys/kernel/tracing");
    private static final Path EVENT = TRACING.resolve("events/fuse/fuse_request_send");
    private static final Pattern OPCODE = Pattern.compile("\\((FUSE_[A-Z_0-9]+)\\)");

    @TempDir
    Path tmp;

    @Test
    void createsStatsUnlinksAndLargeWritesSendOnlyTheRequestsTheKernelNeeds() throws Exception {
        assumeTrue(FuseMountTest.canMount(), "needs root and /dev/fuse");
        assumeTrue(Files.isWritable(EVENT.resolve("enable")), "needs tracefs with the kernel's FUSE events at " + EVENT);
        Path img = tmp.resolve("r.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        int n = 300;
        try (Crfsd server = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
                Mounts.Mounted m = Mounts.network("127.0.0.1", server.port(), Files.createDirectory(tmp.resolve("m")))) {
            Path d = Files.createDirectory(m.mountPoint().resolve("d"));
            Files.createFile(d.resolve("warm")); // the directory's first lookups are not what is counted
            long connection = connection(m.mountPoint());

            Map<String, Integer> creates = count(connection, () -> {
                for (int i = 0; i < n; i++) {
                    Files.createFile(d.resolve("f" + i));
                }
            });
            directoryGetattrs(creates, n);
            assertThat(creates).as("requests for %d creates besides the directory's GETATTRs", n)
                    .containsEntry("FUSE_LOOKUP", n).containsEntry("FUSE_CREATE", n).containsEntry("FUSE_FLUSH", n)
                    .containsEntry("FUSE_RELEASE", n).hasSize(4);

            Map<String, Integer> stats = count(connection, () -> {
                for (int i = 0; i < n; i++) {
                    Files.size(d.resolve("f" + i));
                }
            });
            assertThat(total(stats)).as("stats of names just created, which the kernel has: at most the directory's"
                    + " GETATTR, once (its attributes went stale at the last create): %s", stats).isLessThanOrEqualTo(1);

            Map<String, Integer> unlinks = count(connection, () -> {
                for (int i = 0; i < n; i++) {
                    Files.delete(d.resolve("f" + i));
                }
            });
            directoryGetattrs(unlinks, n);
            assertThat(unlinks).as("requests for %d unlinks besides the directory's GETATTRs", n)
                    .containsEntry("FUSE_UNLINK", n).hasSize(1);

            byte[] mib = new byte[1 << 20];
            Map<String, Integer> writes = count(connection, () -> {
                try (var ch = Files.newByteChannel(d.resolve("big"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 16; i++) {
                        ch.write(java.nio.ByteBuffer.wrap(mib));
                    }
                }
            });
            assertThat(writes.get("FUSE_WRITE")).as("WRITEs for 16 writes of 1 MiB (%s)", writes).isEqualTo(16);
            assertThat(total(writes) - 16).as("requests besides the WRITEs (%s)", writes).isLessThanOrEqualTo(6);
        }
    }

    /**
     * Takes the GETATTRs out of {@code requests}: the directory's, which this kernel sends before
     * each of {@code n} creates or unlinks in it but perhaps the first, because it marks all of
     * the directory's attributes stale at each (its permission check then asks again). Kernels
     * that mark only what a directory change can change (mtime, ctime, size, blocks, nlink) need
     * at most one. Any other number fails.
     */
    private static void directoryGetattrs(Map<String, Integer> requests, int n) {
        int g = requests.getOrDefault("FUSE_GETATTR", 0);
        requests.remove("FUSE_GETATTR");
        assertThat(g).as("the directory's GETATTRs for %d changes in it", n)
                .satisfiesAnyOf(x -> assertThat(x).isBetween(n - 1, n), x -> assertThat(x).isLessThanOrEqualTo(1));
    }

    private interface Work {
        void run() throws IOException;
    }

    /** Runs {@code work} with the tracepoint on for one connection; the requests it sent, by opcode. */
    private static Map<String, Integer> count(long connection, Work work) throws IOException {
        Files.writeString(TRACING.resolve("trace"), "");
        Files.writeString(EVENT.resolve("filter"), "connection == " + connection);
        Files.writeString(EVENT.resolve("enable"), "1");
        try {
            work.run();
        } finally {
            Files.writeString(EVENT.resolve("enable"), "0");
            Files.writeString(EVENT.resolve("filter"), "0");
        }
        Map<String, Integer> byOpcode = new TreeMap<>();
        Matcher op = OPCODE.matcher(Files.readString(TRACING.resolve("trace")));
        while (op.find()) {
            byOpcode.merge(op.group(1), 1, Integer::sum);
        }
        Files.writeString(TRACING.resolve("trace"), "");
        return byOpcode;
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * The kernel's number for the mount's FUSE connection: its device number as the kernel
     * stores it (major 0, so just the minor), from the st_dev that stat reports.
     */
    private static long connection(Path mountPoint) throws IOException {
        long dev = ((Number) Files.getAttribute(mountPoint, "unix:dev")).longValue();
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
