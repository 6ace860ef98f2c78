package io.crfs.fusemount;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.file.Files;
import java.nio.file.Path;

/** The contract through a local FUSE mount (the image served inside the mount); btrfs check after each test. */
class FuseLocalContractTest extends FilesContract {
    private Path dir;
    private Mounts.Mounted mount;

    @Override
    protected Path base() throws Exception {
        assumeTrue(FuseMountTest.canMount(), "needs root and /dev/fuse");
        dir = tempDirForAll("crfs-fuse-local-contract");
        Path img = dir.resolve("l.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        mount = Mounts.local(img, Files.createDirectory(dir.resolve("mnt")));
        return Files.createDirectory(mount.mountPoint().resolve("t"));
    }

    @Override
    protected void tearDown() throws Exception {
        if (mount != null) {
            try {
                mount.close();
            } finally {
                checkAndRemove(dir, dir.resolve("l.img"));
            }
        }
    }
}
