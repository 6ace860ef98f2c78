package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The client's off-heap page cache against a plain byte-array model of each file. */
class PageCacheTest {
    static final int C = PageCache.CHUNK;

    @Test
    void aFileLargerThanTheCacheKeepsTheChunksAheadOfASequentialReaderAndEveryByteRight() {
        PageCache pc = new PageCache(8L * C, true);
        byte[] file = new byte[64 * C];
        new Random(1).nextBytes(file);
        for (int idx = 0; idx < 64; idx++) {
            pc.put(7, idx, ReplyBytes.of(file), idx * C, C);
            assertThat(pc.bytes()).isLessThanOrEqualTo(9L * C);
            assertThat(pc.has(7, idx)).as("the chunk just added stays").isTrue();
        }
        assertThat(pc.has(7, 0)).as("chunks behind the reader went first").isFalse();
        assertThat(pc.has(7, 63)).isTrue();
        for (int idx = 0; idx < 64; idx++) {
            byte[] got = new byte[C];
            if (pc.copyOut(7, idx, 0, java.lang.foreign.MemorySegment.ofArray(got), 0, C)) {
                assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(file, idx * C, idx * C + C));
            }
        }
    }

    @Test
    void writesTruncatesAndHolesMatchAModel() {
        modelRun(true);
    }

    /** As a FUSE mount's client runs: writes keep cached chunks right but add none. */
    @Test
    void withoutCachingWritesTheCacheStaysRightAndGainsNoWrittenChunk() {
        modelRun(false);
    }

    private void modelRun(boolean cacheWrites) {
        long seed = Long.getLong("crfs.random.seed", System.nanoTime());
        System.out.println("PageCacheTest seed " + seed + " (rerun with -Dcrfs.random.seed=" + seed + ")");
        Random r = new Random(seed);
        PageCache pc = new PageCache(6L * C, cacheWrites);
        byte[][] model = new byte[3][16 * C];
        for (int step = 0; step < 3000; step++) {
            int ino = r.nextInt(3);
            byte[] f = model[ino];
            switch (r.nextInt(5)) {
                case 0 -> { // a fetch of one chunk from the "server" (the model)
                    int idx = r.nextInt(16);
                    pc.put(ino, idx, ReplyBytes.of(f), idx * C, C);
                    assertThat(pc.has(ino, idx)).as("a chunk just put is cached").isTrue();
                }
                case 1 -> { // a write, cached whole chunks and patched cached ones
                    int off = r.nextInt(f.length - 1), len = 1 + r.nextInt(Math.min(3 * C, f.length - off));
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    System.arraycopy(data, 0, f, off, len);
                    long lastWhole = ((long) off + len) / C - 1; // cached last, so never dropped by its own write
                    boolean before = pc.has(ino, lastWhole);
                    int from = r.nextInt(5); // the bytes sit anywhere in a longer array
                    byte[] held = new byte[from + len + r.nextInt(5)];
                    r.nextBytes(held);
                    System.arraycopy(data, 0, held, from, len);
                    pc.write(ino, off, held, from, len);
                    if (lastWhole * C >= off) {
                        assertThat(pc.has(ino, lastWhole)).as("a chunk the write covers whole is cached if asked")
                            .isEqualTo(cacheWrites || before);
                    }
                }
                case 2 -> { // punch
                    int off = r.nextInt(f.length - 1), end = off + 1 + r.nextInt(f.length - off - 1);
                    java.util.Arrays.fill(f, off, end, (byte) 0);
                    pc.zero(ino, off, end);
                }
                case 3 -> { // truncate (the file keeps its array; past the size reads as zeros)
                    int size = r.nextInt(f.length);
                    java.util.Arrays.fill(f, size, f.length, (byte) 0);
                    pc.truncate(ino, size);
                }
                default -> {
                    if (r.nextInt(20) == 0) {
                        pc.drop(ino);
                    }
                }
            }
            assertThat(pc.bytes()).isLessThanOrEqualTo(7L * C);
            for (int i = 0; i < 3; i++) {
                for (int idx = 0; idx < 16; idx++) {
                    byte[] got = new byte[C];
                    if (pc.copyOut(i, idx, 0, java.lang.foreign.MemorySegment.ofArray(got), 0, C)) {
                        assertThat(got).as("inode %d chunk %d after step %d", i, idx, step)
                                .isEqualTo(java.util.Arrays.copyOfRange(model[i], idx * C, idx * C + C));
                    }
                }
            }
        }
    }
}
