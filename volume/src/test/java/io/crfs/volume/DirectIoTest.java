package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectIoTest {
    @TempDir
    Path tmp;

    @Test
    void writesAndReadsArraysAndNamesTheErrnoOfAFailedCall() throws IOException {
        Path f = Files.write(tmp.resolve("img"), new byte[0]);
        DirectIo io = DirectIo.open(f);
        assertThat(io).as("native access is on in tests, so the direct path must open").isNotNull();
        try {
            byte[] data = new byte[10_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
            }
            io.write(4096, data, 100, 5000);
            byte[] back = new byte[6000];
            assertThat(io.read(4096, back, 0, 6000)).as("short read at end of file").isEqualTo(5000);
            assertThat(java.util.Arrays.copyOf(back, 5000)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 5100));
            assertThat(Files.size(f)).isEqualTo(4096 + 5000);
            assertThatThrownBy(() -> io.write(-4096, data, 0, 10)).isInstanceOf(IOException.class)
                .hasMessageContaining("EINVAL (22)");
            assertThatThrownBy(() -> io.read(-4096, back, 0, 10)).isInstanceOf(IOException.class)
                .hasMessageContaining("EINVAL (22)");
        } finally {
            io.close();
        }
    }

    @Test
    void largeAlignedWritesBypassThePageCacheAndStayCoherentWithBufferedOnes() throws IOException {
        Path f = Files.write(tmp.resolve("img"), new byte[0]);
        DirectIo io = DirectIo.open(f);
        assertThat(io).isNotNull();
        try {
            int len = 5 << 20; // more than one aligned buffer's worth, so the copy loop turns
            byte[] big = new byte[len + 4096];
            new java.util.Random(7).nextBytes(big);
            byte[] small = new byte[100];
            java.util.Arrays.fill(small, (byte) 0x5a);
            io.write(8192 + 300, small, 0, small.length); // dirty in the page cache, then covered
            assertThat(io.write(8192, big, 4096, len)).as("a large aligned write bypasses the page cache").isTrue();
            assertThat(io.write(8192, big, 1, 4096)).as("a write under BYPASS_MIN goes through the page cache").isFalse();
            io.write(8192 + 4096 + 7, small, 0, small.length); // buffered over the direct write
            byte[] want = java.util.Arrays.copyOfRange(big, 4096, 4096 + len);
            System.arraycopy(big, 1, want, 0, 4096);
            System.arraycopy(small, 0, want, 4096 + 7, small.length);
            byte[] back = new byte[len];
            assertThat(io.read(8192, back, 0, len)).isEqualTo(len);
            assertThat(back).as("what the buffered descriptor reads back").isEqualTo(want);
            try (var ch = java.nio.channels.FileChannel.open(f)) { // another descriptor, as btrfs check would open it
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len);
                while (b.hasRemaining() && ch.read(b, 8192 + b.position()) > 0) {
                    // read on
                }
                assertThat(b.array()).isEqualTo(want);
            }
        } finally {
            io.close();
        }
    }
}
