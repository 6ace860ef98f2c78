package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.cli.oracle.BtrfsCheck;
import io.crfs.cli.oracle.KernelMount;
import io.crfs.cli.oracle.SystemTests;
import io.crfs.cli.oracle.TreeSnapshot;
import io.crfs.format.ObjectIds;
import io.crfs.posix.PosixRandomOps;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 seeded random POSIX operations through PosixFs over a real volume, compared with the
 * in-memory model after every commit (commits about every 100 operations, a reopen now and
 * then), until the fs tree is at least three levels deep; then btrfs check in all three modes
 * and the kernel's read-only view against crfs's own export of the same volume. A failure names
 * its seed: rerun with -Dcrfs.random.seed=S (and -Dcrfs.random.ops=N).
 */
@Tag("system")
class VolumePosixRandomTest {
    @TempDir
    Path tmp;

    @Test
    void hundredThousandOpsMatchTheModelCheckAndTheKernel() throws Exception {
        Path img = tmp.resolve("random.img");
        Volume.mkfs(img, 2L << 30, MkfsOptions.defaults());
        String oldNames = System.setProperty("crfs.random.extraNames",
                System.getProperty("crfs.random.extraNames", "300"));
        String oldBig = System.setProperty("crfs.random.bigXattrs", System.getProperty("crfs.random.bigXattrs", "true"));
        Volume[] v = {Volume.open(img)};
        Random reopen = new Random(Long.getLong("crfs.random.seed", 20261125L));
        int[] levels = {0};
        try {
            PosixRandomOps.fromProperties(() -> v[0].fsTree(), 20261125L, 100_000, () -> {
                try {
                    v[0].commit();
                    levels[0] = Math.max(levels[0], v[0].treeLevel(ObjectIds.FS_TREE));
                    if (reopen.nextInt(20) == 0) {
                        v[0].close();
                        v[0] = Volume.open(img);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).run();
        } finally {
            v[0].close();
            if (oldNames == null) {
                System.clearProperty("crfs.random.extraNames");
            }
            if (oldBig == null) {
                System.clearProperty("crfs.random.bigXattrs");
            }
        }
        System.out.println("fs tree reached level " + levels[0] + " (" + (levels[0] + 1) + " levels)");
        assertThat(levels[0]).as("fs tree depth (levels - 1)").isGreaterThanOrEqualTo(2);
        if (io.crfs.volume.Oracles.haveBtrfsTools()) { // needs no root; the kernel comparison below does
            BtrfsCheck.run(img);
        }
        if (!SystemTests.isRoot()) {
            return;
        }
        SystemTests.assumeRootWithBtrfs();
        // crfs's view, exported onto a scratch btrfs (the only host file system that holds
        // xattrs this large), against the kernel's view of the volume crfs wrote
        Path scratch = tmp.resolve("scratch.img");
        try (var f = java.nio.channels.FileChannel.open(scratch, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[1]), (2L << 30) - 1);
        }
        assertThat(new ProcessBuilder("mkfs.btrfs", "-q", "-f", scratch.toString()).inheritIO().start().waitFor()).isZero();
        try (KernelMount out = KernelMount.readWrite(scratch); KernelMount m = KernelMount.readOnly(img)) {
            Path dest = out.dir().resolve("tree");
            var r = Cli.run("export", img.toString(), "/", dest.toString());
            assertThat(r.exit()).as("export: " + r.stderr()).isZero();
            TreeSnapshot.of(m.dir()).assertSameAs(TreeSnapshot.of(dest));
        }
    }

}
