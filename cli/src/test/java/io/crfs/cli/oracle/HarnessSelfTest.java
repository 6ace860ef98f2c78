package io.crfs.cli.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracles checked against the real kernel and btrfs-progs before they judge crfs: a tree the
 * kernel wrote passes check and snapshots equal to its source; damage is caught.
 */
@Tag("system")
class HarnessSelfTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsRootAndBtrfs() {
        SystemTests.assumeRootWithBtrfs();
    }

    @Test
    void kernelCopyPassesCheckAndMatchesSource() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Fixtures.small(src);
        Path image = mkfsBtrfs(tmp.resolve("kernel.img"));
        try (KernelMount rw = KernelMount.readWrite(image)) {
            Sh.run("cp", "-a", src + "/.", rw.dir().toString()).check();
        }
        BtrfsCheck.run(image);
        TreeSnapshot expected = TreeSnapshot.of(src);
        assertThat(expected.entries().get("sub/hello.txt")).contains("user.color=726564").contains("linkgroup=hardlink.txt");
        assertThat(expected.entries().get("fifo")).startsWith("fifo ");
        String sha = Sh.run("sha256sum", image.toString()).check().output();
        try (KernelMount ro = KernelMount.readOnly(image)) {
            TreeSnapshot.of(ro.dir()).assertSameAs(expected);
            long blocks = TreeSnapshot.allocatedBytes(ro.dir().resolve("sparse.bin"));
            assertThat(blocks).as("sparse file stays sparse in the kernel copy").isLessThan(1 << 20);
        }
        assertThat(Sh.run("sha256sum", image.toString()).check().output()).as("ro mount wrote nothing").isEqualTo(sha);
        assertThat(Sh.run("losetup", "-j", image.toString()).output()).isBlank();
    }

    @Test
    void checkCatchesADamagedSuperblock() throws IOException {
        Path image = mkfsBtrfs(tmp.resolve("damaged.img"));
        BtrfsCheck.run(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(65536 + 0x1000); // inside the primary superblock's sys_chunk_array region
            f.write(new byte[2048]);
            f.seek(65536 + 0x100); // and its chunk-tree pointer area
            f.write(new byte[64]);
        }
        assertThatThrownBy(() -> BtrfsCheck.run(image)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("btrfs check");
    }

    @Test
    void mountOfGarbageFailsAndLeavesNoLoopDevice() throws IOException {
        Path image = tmp.resolve("garbage.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64 << 20);
        }
        assertThatThrownBy(() -> KernelMount.readOnly(image)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("refused to mount");
        assertThat(Sh.run("losetup", "-j", image.toString()).output()).isBlank();
    }

    /** A fresh btrfs-progs volume with the defaults crfs supports (DUP metadata, no-holes, free-space tree). */
    static Path mkfsBtrfs(Path image) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(512L << 20);
        }
        Sh.run("mkfs.btrfs", "-q", "-f", image.toString()).check();
        return image;
    }
}
