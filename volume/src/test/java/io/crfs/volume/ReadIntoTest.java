package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.ItemStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads into an array that already holds other bytes, and into native memory (the server reads
 * file bytes straight into its network buffers): every byte of the range is written, holes and
 * bytes past the end as zeros, as a fresh read has them, and no byte outside it.
 */
class ReadIntoTest {
    @TempDir
    Path tmp;

    @Test
    void readIntoAUsedArrayWritesEveryByteOfTheRange() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ReadIntoTest seed " + seed);
        Random r = new Random(seed);
        Path img = tmp.resolve("v.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        int block = 4096, blocks = 300;
        byte[] model = new byte[blocks * block];
        try (Volume v = Volume.open(img)) {
            ItemStore s = v.fsTree();
            long sparse = Fixtures.createFile(s, Fixtures.name("sparse"));
            for (int b = 0; b < blocks; b++) {
                if (r.nextInt(3) == 0) { // about a third of the blocks hold data, in extents of their own or merged
                    byte[] d = new byte[block];
                    r.nextBytes(d);
                    s.write(sparse, (long) b * block, d, 0, block);
                    System.arraycopy(d, 0, model, b * block, block);
                }
            }
            s.truncate(sparse, model.length);
            long inline = Fixtures.createFile(s, Fixtures.name("inline"));
            byte[] small = "a small file, stored inline".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            s.write(inline, 0, small, 0, small.length);

            byte[] used = new byte[model.length + 2 * block];
            for (int i = 0; i < 200; i++) {
                int off = r.nextInt(model.length), len = 1 + r.nextInt(used.length - block), at = r.nextInt(block);
                len = Math.min(len, used.length - at);
                Arrays.fill(used, (byte) 0x5a);
                s.readInto(sparse, off, used, at, len);
                byte[] want = new byte[len];
                System.arraycopy(model, off, want, 0, Math.min(len, model.length - off)); // past the end: zeros
                assertThat(Arrays.copyOfRange(used, at, at + len)).as("read of %d at %d (seed %d)", len, off, seed).isEqualTo(want);
                if (at > 0) {
                    assertThat(used[at - 1]).as("the byte before the range (seed %d)", seed).isEqualTo((byte) 0x5a);
                }
                if (at + len < used.length) {
                    assertThat(used[at + len]).as("the byte after the range (seed %d)", seed).isEqualTo((byte) 0x5a);
                }
                assertThat(s.read(sparse, off, len)).as("a fresh read (seed %d)", seed).isEqualTo(want);
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(len + 2L).fill((byte) 0x5a);
                    s.readInto(sparse, off, buf.asSlice(1, len), len);
                    assertThat(buf.asSlice(1, len).toArray(ValueLayout.JAVA_BYTE)).as("read into native memory (seed %d)", seed)
                            .isEqualTo(want);
                    assertThat(buf.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
                    assertThat(buf.get(ValueLayout.JAVA_BYTE, len + 1L)).isEqualTo((byte) 0x5a);
                }
            }
            Arrays.fill(used, (byte) 0x5a);
            s.readInto(inline, 0, used, 3, 64);
            byte[] want = Arrays.copyOf(small, 64);
            assertThat(Arrays.copyOfRange(used, 3, 67)).isEqualTo(want);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(64).fill((byte) 0x5a);
                s.readInto(inline, 0, buf, 64);
                assertThat(buf.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(want);
            }
        }
    }
}
