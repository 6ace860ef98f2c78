package io.crfs.fusemount;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.file.Files;
import java.nio.file.Path;

/** The contract through a FUSE mount of a crfsd over loopback; btrfs check of the served image after each test. */
class FuseNetworkContractTest extends FilesContract {
    private Path dir;
    private Crfsd server;
    private Mounts.Mounted mount;

    @Override
    protected Path base() throws Exception {
        assumeTrue(FuseMountTest.canMount(), "needs root and /dev/fuse");
        dir = tempDirForAll("crfs-fuse-contract");
        Path img = dir.resolve("n.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        server = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
        mount = Mounts.network("127.0.0.1", server.port(), Files.createDirectory(dir.resolve("mnt")));
        return Files.createDirectory(mount.mountPoint().resolve("t"));
    }

    @Override
    protected void tearDown() throws Exception {
        try {
            if (mount != null) {
                mount.close();
            }
        } finally {
            if (server != null) {
                server.close();
                checkAndRemove(dir, dir.resolve("n.img"));
            }
        }
    }
}
