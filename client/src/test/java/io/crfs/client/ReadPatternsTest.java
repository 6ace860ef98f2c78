package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random reads, as a FUSE mount's client sees them (a kernel page cache above: chunks
 * read to their end are used once, sequential readers keep their last READs), of several large
 * files at once, checked byte for byte against what was written. The reads follow the kernel's
 * shapes: sequential runs of 128 KiB to 1 MiB, two of them swapped now and then (read-ahead
 * READs arrive on several threads), jumps, a file read again from its start, reads past the end.
 * More files are read at once than the readers' budget holds at full speed, so readers run
 * short of READs ahead and idle ones give theirs back; the bytes they hold never pass the budget.
 */
class ReadPatternsTest {
    private static final int FILES = 8;
    private static final int FILE_BYTES = 16 << 20;
    private static final int READS = 4_000;

    @TempDir
    Path tmp;

    @Test
    void readsOfManyLargeFilesAtOnceReturnWhatWasWritten() throws Exception {
        long seed = Long.getLong("crfs.test.seed", System.nanoTime());
        System.out.println("ReadPatternsTest seed " + seed + " (rerun with -Dcrfs.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        long before = ReplyBytes.live(); // other tests' clients in this JVM may still hold some
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient w = server.client("writer");
             CrfsClient r = CrfsClient.connect("127.0.0.1", server.port(), "reader", Caller.ROOT,
                     new CrfsClient.Options(true, CrfsClient.Options.MAX_OBJECTS, true))) {
            PosixFs wfs = w.posix();
            byte[][] data = new byte[FILES][];
            long[] ino = new long[FILES];
            for (int f = 0; f < FILES; f++) {
                // the last file ends inside a chunk, so reads meet a short final READ
                data[f] = new byte[f == FILES - 1 ? FILE_BYTES - 12_345 : FILE_BYTES];
                rnd.nextBytes(data[f]);
                Attr a = wfs.create(Caller.ROOT, PosixFs.ROOT, ("f" + f).getBytes(StandardCharsets.UTF_8), 0644, true);
                ino[f] = a.ino();
                for (int at = 0; at < data[f].length; at += 1 << 20) {
                    wfs.write(Caller.ROOT, a.ino(), at, data[f], at, Math.min(1 << 20, data[f].length - at));
                }
            }
            wfs.sync();

            PosixFs fs = r.posix();
            long[] cursor = new long[FILES];
            long peak = 0, peakLive = 0;
            for (int i = 0; i < READS; i++) {
                int f = rnd.nextInt(FILES);
                int len = (128 << 10) << rnd.nextInt(4); // 128 KiB .. 1 MiB
                int p = rnd.nextInt(100);
                long at = p < 8 ? rnd.nextInt(data[f].length) // a jump
                        : p < 12 ? 0 // read again from the start
                        : cursor[f];
                long next = at + len;
                if (p >= 12 && p < 20) { // the next READ arrives before this one
                    check(fs, ino[f], data[f], next, len, seed, i);
                    next += len;
                }
                check(fs, ino[f], data[f], at, len, seed, i);
                cursor[f] = next >= data[f].length ? 0 : next;
                long held = r.readAheadBytes();
                assertThat(held).as("bytes held by readers after read %d (seed %d)", i, seed)
                        .isLessThanOrEqualTo(ReadAhead.BUDGET);
                peak = Math.max(peak, held);
                peakLive = Math.max(peakLive, ReplyBytes.live() - before);
            }
            System.out.printf("ReadPatternsTest: %d reads, readers held at most %d MiB%n", READS, peak >> 20);
            assertThat(peak).as("the readers filled their budget at some point").isGreaterThan(ReadAhead.BUDGET / 2);
            assertThat(peakLive).as("DATA replies held in their receive buffers at some point").isPositive();
            // another client's write takes the reader's grant of one file: its reader goes, with what it holds
            wfs.write(Caller.ROOT, ino[0], 0, new byte[] {1}, 0, 1);
            wfs.sync();
            data[0][0] = 1;
            check(fs, ino[0], data[0], 0, 1 << 20, seed, READS);
        }
        // every DATA reply came as a slice of the receive buffers: all of them given back, the
        // READs ahead that were abandoned included (their replies may still be on the way)
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ReplyBytes.live() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(ReplyBytes.live()).as("DATA replies not released after the clients closed (seed %d)", seed)
                .isLessThanOrEqualTo(before);
    }

    private static void check(PosixFs fs, long ino, byte[] data, long at, int len, long seed, int step) {
        byte[] got = new byte[len];
        int n = fs.read(ino, at, got, 0, len);
        int want = (int) Math.max(0, Math.min(len, data.length - at));
        assertThat(n).as("bytes read at %d of inode %d, step %d (seed %d)", at, ino, step, seed).isEqualTo(want);
        if (n > 0 && !Arrays.equals(got, 0, n, data, (int) at, (int) at + n)) {
            throw new AssertionError("wrong bytes at " + at + "+" + n + " of inode " + ino + ", step " + step + " (seed " + seed + ")");
        }
    }
}
