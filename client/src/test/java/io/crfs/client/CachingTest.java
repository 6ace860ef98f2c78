package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caching is real: what a client holds is served without the network, and creates are batched. */
class CachingTest {
    @TempDir
    Path tmp;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rereadingAndRelistingWhatIsHeldSendsNothing() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000); CrfsClient c = server.client("cache")) {
            PosixFs fs = c.posix();
            Attr d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("dir"), 0755);
            Attr f = fs.create(Caller.ROOT, d.ino(), b("file"), 0644, true);
            byte[] data = new byte[300_000];
            new Random(1).nextBytes(data);
            fs.write(Caller.ROOT, f.ino(), 0, data, 0, data.length);
            fs.sync();
            byte[] got = new byte[data.length];
            fs.read(f.ino(), 0, got, 0, got.length); // first read may fetch
            fs.readdir(Caller.ROOT, d.ino(), 0, 100);
            long before = c.roundTrips();
            for (int i = 0; i < 20; i++) {
                fs.read(f.ino(), 0, got, 0, got.length);
                fs.readdir(Caller.ROOT, d.ino(), 0, 100);
                fs.lookup(Caller.ROOT, d.ino(), b("file"));
                fs.getattr(f.ino());
            }
            assertThat(c.roundTrips()).as("round trips for cached reads").isEqualTo(before);
            assertThat(got).isEqualTo(data);
        }
    }

    @Test
    void creatingTenThousandFilesInOwnDirectoryIsBatched() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000); CrfsClient c = server.client("creator")) {
            PosixFs fs = c.posix();
            Attr d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("own"), 0755);
            long before = c.roundTrips();
            long t0 = System.nanoTime();
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                fs.create(Caller.ROOT, d.ino(), b("file-" + i), 0644, true);
            }
            fs.sync();
            long trips = c.roundTrips() - before;
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("10000 creates: %d round trips (%.4f per file), %.0f creates/s%n", trips, trips / (double) n,
                    n / secs);
            assertThat(trips).isLessThan(n / 20);
            try (CrfsClient other = server.client("reader")) {
                assertThat(other.posix().readdir(Caller.ROOT, d.ino(), 0, 20_000)).hasSize(n + 2);
            }
        }
    }
}
