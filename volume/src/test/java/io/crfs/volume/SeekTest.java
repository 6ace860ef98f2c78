package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.ItemStore;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SEEK_DATA/SEEK_HOLE against a model of which blocks hold data, across many extents. */
class SeekTest {
    @TempDir
    Path tmp;

    @Test
    void seekDataAndSeekHoleAgreeWithTheModelAtEveryBlockBoundary() throws Exception {
        long seed = System.nanoTime();
        System.out.println("SeekTest seed " + seed);
        Random r = new Random(seed);
        Path img = tmp.resolve("v.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        int block = 16 << 10, blocks = 3 * FileData.WALK_PAGE + 17; // several pages of extents
        boolean[] data = new boolean[blocks];
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            long ino = Fixtures.createFile(s, Fixtures.name("sparse"));
            for (int b = 0; b < blocks; b++) {
                if (r.nextInt(3) != 0) {
                    data[b] = true;
                    byte[] d = new byte[block];
                    r.nextBytes(d);
                    s.write(ino, (long) b * block, d, 0, block);
                    s.write(ino, (long) b * block + block - 1, new byte[] {1}, 0, 1); // its own extent
                }
            }
            long size = (long) blocks * block;
            s.truncate(ino, size);
            for (int b = 0; b < blocks; b++) {
                for (long off : new long[] {(long) b * block, (long) b * block + block / 2}) {
                    assertThat(s.seekData(ino, off)).as("SEEK_DATA from %d (seed %d)", off, seed)
                        .isEqualTo(nextData(data, b, off, block));
                    assertThat(s.seekHole(ino, off)).as("SEEK_HOLE from %d (seed %d)", off, seed)
                        .isEqualTo(nextHole(data, b, off, block, size));
                }
            }
            assertThat(s.seekData(ino, size)).isEqualTo(-1);
            assertThat(s.seekHole(ino, size)).isEqualTo(-1);
        }
    }

    private static long nextData(boolean[] data, int b, long off, int block) {
        for (int i = b; i < data.length; i++) {
            if (data[i]) {
                return Math.max(off, (long) i * block);
            }
        }
        return -1;
    }

    private static long nextHole(boolean[] data, int b, long off, int block, long size) {
        for (int i = b; i < data.length; i++) {
            if (!data[i]) {
                return Math.max(off, (long) i * block);
            }
        }
        return size;
    }
}
