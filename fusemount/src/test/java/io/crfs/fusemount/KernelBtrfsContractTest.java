package io.crfs.fusemount;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.volume.Oracles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The oracle: the contract on the kernel's own btrfs (mkfs.btrfs image, loop mount). */
class KernelBtrfsContractTest extends FilesContract {
    private Path dir;
    private Path mnt;

    @Override
    protected Path base() throws Exception {
        assumeTrue(Oracles.isRoot() && Oracles.haveBtrfsTools(), "needs root and btrfs-progs");
        dir = tempDirForAll("crfs-kernel-contract");
        Path img = dir.resolve("k.img");
        try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[1]), (512L << 20) - 1);
        }
        Oracles.run(List.of("mkfs.btrfs", "-q", "-f", img.toString()));
        mnt = Files.createDirectory(dir.resolve("mnt"));
        Oracles.Result r = Oracles.run(List.of("mount", "-o", "loop", img.toString(), mnt.toString()));
        if (r.code() != 0) {
            throw new IllegalStateException("mount failed: " + r.out());
        }
        return Files.createDirectory(mnt.resolve("t"));
    }

    @Override
    protected void tearDown() throws Exception {
        if (mnt != null) {
            Oracles.run(List.of("umount", mnt.toString()));
            Files.deleteIfExists(mnt);
            Files.deleteIfExists(dir.resolve("k.img"));
            Files.deleteIfExists(dir);
        }
    }
}
