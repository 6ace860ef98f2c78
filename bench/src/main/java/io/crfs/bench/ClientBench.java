package io.crfs.bench;

import io.crfs.client.CrfsClient;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The client API against crfsd on loopback, compared in the same run with PosixFs straight on a
 * local volume: revoke round trips (p50/p99), creates/s with and without write-back batching,
 * and sequential 1 MiB write and read. Usage: ClientBench [files] [MiB].
 */
public final class ClientBench {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        int files = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        Path dir = Files.createTempDirectory("crfs-clientbench");
        try {
            run(dir, files, mib);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void run(Path dir, int files, int mib) throws Exception {
        System.out.printf("ClientBench: %d creates, %d MiB sequential, JDK %s, %d cpus%n", files, mib,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        // baseline: PosixFs on the local volume, no network
        Path local = dir.resolve("local.img");
        Volume.mkfs(local, 4L << 30, MkfsOptions.defaults());
        double localCreates;
        double[] localSeq;
        try (Volume v = Volume.open(local)) {
            PosixFs fs = new PosixFs(v.fsTree());
            localCreates = steady(fs, "local", files);
            localSeq = sequential(fs, fs, mib, "local");
        }
        Path img = dir.resolve("served.img");
        Volume.mkfs(img, 4L << 30, MkfsOptions.defaults());
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            double batched;
            double unbatched;
            double[] seq;
            try (CrfsClient c = CrfsClient.connect("127.0.0.1", d.port(), "bench")) {
                long rt0 = c.roundTrips();
                batched = steady(c.posix(), "batched", files);
                System.out.printf("  batched creates: %.4f round trips per file%n", (c.roundTrips() - rt0) / (3.0 * files));
            }
            try (CrfsClient c = CrfsClient.connect("127.0.0.1", d.port(), "bench-sync", Caller.ROOT,
                    new CrfsClient.Options(false))) {
                long rt0 = c.roundTrips();
                unbatched = creates(c.posix(), "unbatched", Math.max(1000, files / 10));
                System.out.printf("  unbatched creates: %.2f round trips per file%n",
                        (c.roundTrips() - rt0) / (double) Math.max(1000, files / 10));
            }
            try (CrfsClient w = CrfsClient.connect("127.0.0.1", d.port(), "bench-writer");
                 CrfsClient r = CrfsClient.connect("127.0.0.1", d.port(), "bench-reader")) {
                seq = sequential(w.posix(), r.posix(), mib, "client");
            }
            long[] rev = revokes(d, 2000);
            Arrays.sort(rev);
            System.out.println();
            System.out.println("| measure | crfs client | local volume | ratio |");
            System.out.println("|---|---|---|---|");
            System.out.printf("| creates/s, write-back batching | %.0f | %.0f | %.2f |%n", batched, localCreates,
                    batched / localCreates);
            System.out.printf("| creates/s, every op sent at once | %.0f | %.0f | %.2f |%n", unbatched, localCreates,
                    unbatched / localCreates);
            System.out.printf("| seq write MB/s (1 MiB, then fsync) | %.0f | %.0f | %.2f |%n", seq[0], localSeq[0],
                    seq[0] / localSeq[0]);
            System.out.printf("| seq read MB/s (1 MiB, cold client cache) | %.0f | %.0f | %.2f |%n", seq[1], localSeq[1],
                    seq[1] / localSeq[1]);
            System.out.printf("| revoke round trip p50 / p99 (ms), %d revokes | %.3f / %.3f | – | – |%n", rev.length,
                    rev[rev.length / 2] / 1e6, rev[(int) (rev.length * 0.99)] / 1e6);
        }
    }

    /** Three rounds of {@link #creates}; the last one (JIT warm) counts. */
    static double steady(PosixFs fs, String label, int n) {
        double r = 0;
        for (int i = 0; i < 3; i++) {
            r = creates(fs, label + i, n);
        }
        return r;
    }

    /** Creates n empty files in a new directory and syncs; files/s. */
    static double creates(PosixFs fs, String label, int n) {
        Attr d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("creates-" + label + "-" + System.nanoTime()), 0755);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            fs.create(Caller.ROOT, d.ino(), b("f" + i), 0644, true);
        }
        fs.sync();
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** Writes mib MiB through w in 1 MiB calls plus fsync, reads it through r; {write MB/s, read MB/s}. */
    static double[] sequential(PosixFs w, PosixFs r, int mib, String label) {
        Attr f = w.create(Caller.ROOT, PosixFs.ROOT, b("seq-" + label), 0644, true);
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(7).nextBytes(chunk);
        long t0 = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            w.write(Caller.ROOT, f.ino(), (long) i << 20, chunk, 0, chunk.length);
        }
        w.sync();
        double write = mib * 1.048576 / ((System.nanoTime() - t0) / 1e9);
        long ino = r.lookup(Caller.ROOT, PosixFs.ROOT, b("seq-" + label)).ino();
        byte[] buf = new byte[1 << 20];
        t0 = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            r.read(ino, (long) i << 20, buf, 0, buf.length);
        }
        double read = mib * 1.048576 / ((System.nanoTime() - t0) / 1e9);
        return new double[] {write, read};
    }

    /** Two clients alternately write one file: every write revokes the other's grant. */
    static long[] revokes(Crfsd d, int rounds) throws Exception {
        try (CrfsClient a = CrfsClient.connect("127.0.0.1", d.port(), "ping");
             CrfsClient b = CrfsClient.connect("127.0.0.1", d.port(), "pong")) {
            Attr f = a.posix().create(Caller.ROOT, PosixFs.ROOT, b("pingpong"), 0644, true);
            byte[] one = {1};
            int before = d.revokeLatencies().length;
            for (int i = 0; i < rounds; i++) {
                (i % 2 == 0 ? a : b).posix().write(Caller.ROOT, f.ino(), 0, one, 0, 1);
            }
            long[] all = d.revokeLatencies();
            return Arrays.copyOfRange(all, Math.min(before, all.length), all.length);
        }
    }

}
