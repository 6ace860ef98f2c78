package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.cli.oracle.BtrfsCheck;
import io.crfs.cli.oracle.KernelMount;
import io.crfs.cli.oracle.SystemTests;
import io.crfs.client.CrfsClient;
import io.crfs.fusemount.Mounts;
import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view: `mount -t fuse.crfs` through the installed helper, `crfs umount`
 * leaving nothing behind for a crfsd stopped right after it, and `crfs status` showing a second
 * client's grants appear while it works and vanish when it leaves.
 */
@Tag("system")
class MountHelperSystemTest {
    @TempDir
    Path tmp;

    @Test
    void mountTypeFuseCrfsWorksThroughTheHelper() throws Exception {
        Path img = helperImage("h", 256L << 20);
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        Path log = helperLog(mnt);
        Path saved = installHelper();
        Set<Path> scratchBefore = warmUpDirs();
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            String addr = "127.0.0.1:" + d.port();
            ProcessHandle mountProcess = helperMount(d, mnt);
            try {
                await(() -> !newWarmUpDirs(scratchBefore).isEmpty(), "the mount's warm-up to start");
                // the mount is warming up (seconds): it serves meanwhile
                Files.writeString(mnt.resolve("x"), "through mount(8)");
                assertThat(Files.readString(mnt.resolve("x"))).isEqualTo("through mount(8)");
            } finally {
                new ProcessBuilder("umount", mnt.toString()).start().waitFor();
            }
            // the mount notices a plain umount within 50 ms, warm-up or not: it sends what it
            // holds and leaves crfsd while its warm-up is still running
            await(() -> !status(addr).contains("fuse:" + mnt), "the mount to leave crfsd");
            assertThat(newWarmUpDirs(scratchBefore)).as("the warm-up still running when the mount left crfsd")
                    .isNotEmpty();
            // then it lets the warm-up finish and clean up, and exits
            mountProcess.onExit().get(30, TimeUnit.SECONDS);
            assertThat(Files.readAllLines(Path.of("/proc/mounts")).stream().noneMatch(l -> l.contains(mnt.toString())))
                    .isTrue();
            assertThat(Files.readString(log)).as("the mount's log (no ready line once unmounted)")
                    .doesNotContain("WARN", "ERROR", "warmed up");
            assertThat(newWarmUpDirs(scratchBefore)).as("the warm-up's scratch directories left in /tmp").isEmpty();
        } finally {
            Files.deleteIfExists(log);
            restoreHelper(saved);
        }
        BtrfsCheck.run(img);
        try (KernelMount k = KernelMount.readOnly(img)) {
            assertThat(Files.readString(k.dir().resolve("x"))).isEqualTo("through mount(8)");
        }
    }

    @Test
    void theHelpersNoWarmUpOptionSkipsTheWarmUp() throws Exception {
        Path img = helperImage("n", 128L << 20);
        Path mnt = Files.createDirectory(tmp.resolve("nmnt"));
        Path log = helperLog(mnt);
        Path saved = installHelper();
        try (Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults())) {
            ProcessHandle mountProcess = helperMount(d, mnt, "-o", "rw,no_warm_up");
            try {
                await(() -> Files.readString(log).contains(" mounted at " + mnt), "the mount's ready line");
                assertThat(Files.readString(log)).as("the mount's log").contains(" mounted at " + mnt)
                        .doesNotContain("warmed up", "WARN", "ERROR");
                assertThat(mountProcess.info().commandLine().orElse("")).contains("--no-warm-up");
            } finally {
                new ProcessBuilder("umount", mnt.toString()).start().waitFor();
                mountProcess.onExit().get(30, TimeUnit.SECONDS);
            }
        } finally {
            Files.deleteIfExists(log);
            restoreHelper(saved);
        }
    }

    /** A fresh image {@code name}.img of {@code size} bytes, for a test that needs root, btrfs and /dev/fuse. */
    private Path helperImage(String name, long size) throws IOException {
        SystemTests.assumeRootWithBtrfs();
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Path img = tmp.resolve(name + ".img");
        Volume.mkfs(img, size, MkfsOptions.defaults());
        return img;
    }

    /** Where the helper logs the mount at {@code mnt}. */
    private static Path helperLog(Path mnt) {
        return Path.of("/tmp/crfs-mount-" + mnt.toString().replace('/', '_') + ".log");
    }

    /** Installs the helper in /sbin; returns where a helper already there was moved, or null. */
    private Path installHelper() throws IOException {
        Path helper = Path.of("/sbin", "mount.fuse.crfs");
        Path saved = Files.exists(helper) ? Files.move(helper, tmp.resolve("saved-helper")) : null;
        assertThat(Cli.run("install-mount-helper").exit()).isZero();
        return saved;
    }

    private static void restoreHelper(Path saved) throws IOException {
        Path helper = Path.of("/sbin", "mount.fuse.crfs");
        Files.deleteIfExists(helper);
        if (saved != null) {
            Files.move(saved, helper);
        }
    }

    /** mount -t fuse.crfs of {@code d} at {@code mnt} (extra mount(8) arguments after); the mount's process. */
    private static ProcessHandle helperMount(Crfsd d, Path mnt, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of("mount", "-t", "fuse.crfs", "127.0.0.1:" + d.port(), mnt.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(" 127.0.0.1:" + d.port() + " " + mnt))
                .findFirst().orElseThrow(() -> new AssertionError("no crfs mount process for " + mnt));
    }

    /** The warm-up scratch directories in /tmp that were not there {@code before}. */
    private static Set<Path> newWarmUpDirs(Set<Path> before) throws IOException {
        Set<Path> now = warmUpDirs();
        now.removeAll(before);
        return now;
    }

    /** Waits up to 20 s for {@code done}; fails naming {@code what} if it does not come. */
    private static void await(Callable<Boolean> done, String what) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 20 s for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** The warm-up scratch directories in /tmp, where the helper's JVM makes them. */
    private static Set<Path> warmUpDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("crfs-warm-up"))
                    .collect(Collectors.toCollection(HashSet::new));
        }
    }

    /**
     * A crfsd on a fresh image {@code name}.img, with a short lease: a mount closed after the
     * crfsd has stopped gives up reaching it soon.
     */
    private Crfsd serve(String name) throws IOException {
        SystemTests.assumeRootWithBtrfs();
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Path img = tmp.resolve(name + ".img");
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        return Crfsd.start(img, "127.0.0.1", 0, new Crfsd.Options(1000, 1000));
    }

    /** Closes a mount whose crfsd may be gone (then its last flush fails, as it should). */
    private static void closeAfterCrfsd(Mounts.Mounted m) {
        try {
            m.close();
        } catch (IOException e) {
            // crfsd is gone
        }
    }

    @Test
    void changesMadeJustBeforeCrfsUmountAreAtCrfsdWhenItReturns() throws Exception {
        Crfsd d = serve("u");
        Path img = tmp.resolve("u.img");
        Path mnt = Files.createDirectory(tmp.resolve("umnt"));
        byte[] data = new byte[1 << 20];
        new java.util.Random(7).nextBytes(data);
        Mounts.Mounted m = Mounts.network("127.0.0.1", d.port(), mnt);
        try {
            Files.write(mnt.resolve("last"), data); // acknowledged; the mount sends it with its next batch
            Files.createDirectory(mnt.resolve("dir"));
            Cli.Result r = Cli.run("umount", mnt.toString());
            assertThat(r.exit()).as(r.stderr()).isZero();
        } finally {
            d.close(); // crfsd stops right after the unmount: what it has not received is lost
            closeAfterCrfsd(m);
        }
        BtrfsCheck.run(img);
        try (KernelMount k = KernelMount.readOnly(img)) {
            assertThat(Files.readAllBytes(k.dir().resolve("last"))).isEqualTo(data);
            assertThat(k.dir().resolve("dir")).isDirectory();
        }
    }

    @Test
    void crfsUmountRefusesToLoseChangesCrfsdCannotTakeUnlessForced() throws Exception {
        Crfsd d = serve("f");
        Path mnt = Files.createDirectory(tmp.resolve("fmnt"));
        Mounts.Mounted m = Mounts.network("127.0.0.1", d.port(), mnt);
        try {
            Files.writeString(mnt.resolve("stranded"), "not sent yet");
            d.close();
            Cli.Result refused = Cli.run("umount", mnt.toString());
            assertThat(refused.exit()).isEqualTo(ExitCodes.IO);
            assertThat(refused.stderr()).contains("unmounting now would lose them", "--force");
            assertThat(UmountCommand.isCrfsMount(mnt)).isTrue();
            Cli.Result forced = Cli.run("umount", "--force", mnt.toString());
            assertThat(forced.exit()).as(forced.stderr()).isZero();
            assertThat(UmountCommand.isCrfsMount(mnt)).isFalse();
        } finally {
            closeAfterCrfsd(m);
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
