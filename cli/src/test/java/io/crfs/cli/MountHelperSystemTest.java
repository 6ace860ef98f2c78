package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.cli.oracle.SystemTests;
import io.crfs.client.CrfsClient;
import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view: `mount -t fuse.crfs` through the installed helper, and `crfs status`
 * showing a second client's grants appear while it works and vanish when it leaves.
 */
@Tag("system")
class MountHelperSystemTest {
    @TempDir
    Path tmp;

    @Test
    void mountTypeFuseCrfsWorksThroughTheHelper() throws Exception {
        SystemTests.assumeRootWithBtrfs();
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Path img = tmp.resolve("h.img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        Path helperDir = Path.of("/sbin");
        Path helper = helperDir.resolve("mount.fuse.crfs");
        Path saved = Files.exists(helper) ? Files.move(helper, tmp.resolve("saved-helper")) : null;
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            assertThat(Cli.run("install-mount-helper").exit()).isZero();
            Process p = new ProcessBuilder("mount", "-t", "fuse.crfs", "127.0.0.1:" + d.port(), mnt.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(out).isZero();
            try {
                Files.writeString(mnt.resolve("x"), "through mount(8)");
                assertThat(Files.readString(mnt.resolve("x"))).isEqualTo("through mount(8)");
            } finally {
                new ProcessBuilder("umount", mnt.toString()).start().waitFor();
            }
            assertThat(Files.readAllLines(Path.of("/proc/mounts")).stream().noneMatch(l -> l.contains(mnt.toString())))
                    .isTrue();
        } finally {
            Files.deleteIfExists(helper);
            if (saved != null) {
                Files.move(saved, helper);
            }
        }
    }

    @Test
    void statusShowsASecondClientsGrantsComeAndGo() throws Exception {
        Path img = tmp.resolve("s.img");
        Volume.mkfs(img, 128L << 20, MkfsOptions.defaults());
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            String addr = "127.0.0.1:" + d.port();
            assertThat(status(addr)).doesNotContain("worker");
            try (CrfsClient w = CrfsClient.connect("127.0.0.1", d.port(), "worker")) {
                w.posix().mkdir(io.crfs.posix.Caller.ROOT, io.crfs.posix.PosixFs.ROOT, "busy".getBytes(), 0755);
                String during = status(addr);
                assertThat(during).containsPattern("worker\\s+grants [1-9]");
            }
            assertThat(status(addr)).doesNotContain("worker");
        }
    }

    private static String status(String addr) {
        Cli.Result r = Cli.run("status", addr);
        assertThat(r.exit()).isZero();
        return new String(r.stdout());
    }

}
