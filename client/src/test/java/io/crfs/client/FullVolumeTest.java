package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose write-back batch crfsd refuses (no space) drops its whole cache, and gives its
 * grants back with it. Kept by the server, they drew revokes the client, no longer knowing
 * them, answered only once its own acquires in flight were in, and those could queue behind the
 * request that waited for the revoke: two mounts filling a small volume got one evicted.
 */
class FullVolumeTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The grants the server counts for the session named {@code name}. */
    private static long grants(TestServer s, String name) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\s+grants (\\d+) ").matcher(s.server.status());
        assertThat(m.find()).as("session %s in %s", name, s.server.status()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void aClientWhoseBatchIsRefusedGivesItsGrantsBack() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient a = server.client("filler"); CrfsClient b = server.client("reader")) {
            PosixFs fa = a.posix(), fb = b.posix();
            Attr d = fa.mkdir(Caller.ROOT, PosixFs.ROOT, b("d"), 0755);
            for (int i = 0; i < 40; i++) {
                fa.create(Caller.ROOT, d.ino(), b("f" + i), 0100644, true);
            }
            long fill = fa.create(Caller.ROOT, PosixFs.ROOT, b("fill"), 0100644, true).ino();
            long at = 0;
            for (long step = 64L << 20; step >= 1 << 20; step /= 4) { // most of the space, quickly
                try {
                    while (true) {
                        fa.fallocate(Caller.ROOT, fill, 0, at, step);
                        fa.sync();
                        at += step;
                    }
                } catch (PosixException e) {
                    assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
                }
            }
            for (int i = 0; i < 40; i++) { // a READ grant on each
                fb.lookup(Caller.ROOT, d.ino(), b("f" + i));
            }
            long before = grants(server, "reader");
            assertThat(before).isGreaterThanOrEqualTo(40);
            long x = fb.create(Caller.ROOT, PosixFs.ROOT, b("x"), 0100644, true).ino();
            PosixFs.ErrorMark mark = fb.errorMark(x);
            byte[] data = new byte[8 << 20];
            fb.write(Caller.ROOT, x, 0, data, 0, data.length); // acknowledged: write-back
            assertThatThrownBy(() -> fb.fsync(x, mark)).isInstanceOfSatisfying(PosixException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            long deadline = System.nanoTime() + 5_000_000_000L; // the RELEASEs are sent without waiting
            while (grants(server, "reader") > 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(grants(server, "reader")).as("grants left after the refusal, of %s", before).isLessThanOrEqualTo(2);
        }
    }
}
