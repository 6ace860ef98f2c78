package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {
    @TempDir
    Path tmp;

    /**
     * Large aligned writes and reads go past the page cache (O_DIRECT), the rest through it, over
     * the same ranges in random order: every read of either kind sees the last write, before and
     * after the device is closed and opened again. Seeded; the seed is in the failure message.
     */
    @Test
    void uncachedAndCachedWritesOfTheSameRangesReadBackAsAModel() throws Exception {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int size = 8 << 20;
        byte[] model = new byte[size];
        Path img = tmp.resolve("img");
        try (FileBlockDevice d = FileBlockDevice.open(img, true)) {
            d.setSize(size);
            for (int op = 0; op < 300; op++) {
                boolean big = r.nextBoolean();
                int len = big ? UncachedIo.MIN + 4096 * r.nextInt(1200) : 1 + r.nextInt(20_000);
                long pos = big ? 4096L * r.nextInt((size - len) / 4096) : r.nextInt(size - len);
                byte[] src = new byte[len + 10];
                r.nextBytes(src);
                int from = r.nextInt(10);
                d.write(pos, src, from, len);
                System.arraycopy(src, from, model, (int) pos, len);
                if (r.nextInt(4) == 0) {
                    boolean bigRead = r.nextBoolean();
                    int n = bigRead ? UncachedIo.MIN + 4096 * r.nextInt(1200) : 1 + r.nextInt(70_000);
                    int at = bigRead ? 4096 * r.nextInt((size - n) / 4096) : r.nextInt(size - n);
                    byte[] got = new byte[n];
                    d.read(at, got, 0, n);
                    assertThat(got).as("seed %d, op %d: read of %d at %d", seed, op, n, at)
                        .isEqualTo(java.util.Arrays.copyOfRange(model, at, at + n));
                }
            }
            assertThat(d.uncachedWritten()).as("large aligned writes went past the page cache (a file system with O_DIRECT)")
                .isGreaterThan(0);
            assertThat(d.uncachedRead()).as("and so did large aligned reads").isGreaterThan(0);
            byte[] all = new byte[size];
            d.read(0, all, 0, size);
            assertThat(all).as("seed %d", seed).isEqualTo(model);
            d.flush();
        }
        try (FileBlockDevice d = FileBlockDevice.open(img, false)) {
            byte[] all = new byte[size];
            d.read(0, all, 0, size);
            assertThat(all).as("seed %d, reopened", seed).isEqualTo(model);
        }
    }

    /**
     * Sequential large reads are read ahead on another thread (the file system needs direct I/O,
     * as the temporary directory has here and in CI): runs of them from random places, with
     * writes of both kinds landing just ahead of the reader, where the windows being read ahead
     * are. Every read sees the model, so no window is used for bytes written after it began; and
     * some bytes did come from the windows. Seeded.
     */
    @Test
    void sequentialReadsAreReadAheadAndNeverSeeAnOldByte() throws Exception {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int size = 48 << 20;
        byte[] model = new byte[size];
        r.nextBytes(model);
        try (FileBlockDevice d = FileBlockDevice.open(tmp.resolve("img"), true)) {
            d.setSize(size);
            d.write(0, model, 0, size);
            for (int run = 0; run < 40; run++) {
                long at = 4096L * r.nextInt(size / 4096 / 2);
                for (int step = 0; step < 12; step++) {
                    int n = UncachedIo.MIN + 4096 * r.nextInt(1000);
                    if (at + n > size) {
                        break;
                    }
                    if (r.nextInt(3) == 0) {
                        boolean big = r.nextBoolean();
                        int len = big ? UncachedIo.MIN + 4096 * r.nextInt(300) : 1 + r.nextInt(9000);
                        long w = Math.min(size - len, at + n + (big ? 4096L * r.nextInt(2000) : r.nextInt(8 << 20)));
                        byte[] src = new byte[len];
                        r.nextBytes(src);
                        d.write(w, src, 0, len);
                        System.arraycopy(src, 0, model, (int) w, len);
                    }
                    byte[] got = new byte[n];
                    d.read(at, got, 0, n);
                    assertThat(got).as("seed %d, run %d step %d: read of %d at %d", seed, run, step, n, at)
                        .isEqualTo(java.util.Arrays.copyOfRange(model, (int) at, (int) at + n));
                    at += n;
                }
            }
            assertThat(d.uncachedRead()).as("large aligned reads went past the page cache (a file system with O_DIRECT)")
                .isGreaterThan(0);
            assertThat(d.readAhead()).as("sequential direct reads took bytes from the read-ahead").isGreaterThan(0);
        }
    }
}
