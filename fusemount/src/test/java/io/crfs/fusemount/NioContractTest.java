package io.crfs.fusemount;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The contract through the java.nio.file provider (crfs://), no kernel involved; btrfs check after each test. */
class NioContractTest extends FilesContract {
    private Path dir;
    private Crfsd server;
    private FileSystem fs;

    @Override
    protected String unixView() {
        return "crfs";
    }

    @Override
    protected boolean visibleToPrograms() {
        return false;
    }

    @Override
    protected boolean supportsXattrs() {
        return false; // the provider has no user xattr view yet
    }

    @Override
    protected Path base() throws Exception {
        dir = Files.createTempDirectory("crfs-nio-contract");
        Path img = dir.resolve("n.img");
        Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
        server = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
        fs = FileSystems.newFileSystem(URI.create("crfs://127.0.0.1:" + server.port() + "/"),
                Map.of("name", "nio-contract", "uid", 0, "gid", 0));
        return Files.createDirectory(fs.getPath("/t"));
    }

    @Override
    protected void tearDown() throws Exception {
        try {
            if (fs != null) {
                fs.close();
            }
        } finally {
            if (server != null) {
                server.close();
                checkAndRemove(dir, dir.resolve("n.img"));
            }
        }
    }
}
