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
}
