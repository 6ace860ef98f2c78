package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Oracles;
import io.crfs.volume.Volume;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random POSIX ACL work (acl-random.py: files, directories and FIFOs made by five
 * made-up users with various umasks, access and default ACLs set, damaged, removed, chmod,
 * chown, and reads, writes, searches, listings and creates by each user) on the kernel's btrfs
 * and on a crfs network mount: every line of outcome must be the kernel's. The seeds are
 * printed; {@code -Dcrfs.aclSeed=N} replays one.
 */
class AclRandomTest {
    @TempDir
    Path tmp;

    @Test
    void randomAclWorkDoesWhatTheKernelsBtrfsDoes() throws Exception {
        assumeTrue(FuseMountTest.canMount() && Oracles.haveBtrfsTools(), "needs root, /dev/fuse and btrfs-progs");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = tmp.resolve("acl-random.py");
        try (InputStream in = AclRandomTest.class.getResourceAsStream("/acl-random.py")) {
            Files.write(script, in.readAllBytes());
        }
        long[] seeds = Long.getLong("crfs.aclSeed") != null ? new long[] {Long.getLong("crfs.aclSeed")}
                : new long[] {1, 7, System.nanoTime() % 1_000_000};
        Path kimg = tmp.resolve("k.img"), kmnt = Files.createDirectory(tmp.resolve("k"));
        try (var f = java.nio.channels.FileChannel.open(kimg, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[1]), (512L << 20) - 1);
        }
        Oracles.run(List.of("mkfs.btrfs", "-q", "-f", kimg.toString()));
        assertThat(Oracles.run(List.of("mount", "-o", "loop", kimg.toString(), kmnt.toString())).code()).isZero();
        Path img = tmp.resolve("n.img");
        try {
            Volume.mkfs(img, 512L << 20, MkfsOptions.defaults());
            try (Crfsd server = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
                 Mounts.Mounted mount = Mounts.network("127.0.0.1", server.port(), Files.createDirectory(tmp.resolve("m")))) {
                for (long seed : seeds) {
                    System.out.println("AclRandomTest: seed " + seed + " (replay with -Dcrfs.aclSeed=" + seed + ")");
                    List<String> want = run(script, Files.createDirectory(kmnt.resolve("s" + seed)), seed);
                    List<String> got = run(script, Files.createDirectory(mount.mountPoint().resolve("s" + seed)), seed);
                    for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
                        assertThat(got.get(i)).as("seed %d, line %d (the kernel's btrfs printed the expected)", seed, i)
                                .isEqualTo(want.get(i));
                    }
                    assertThat(got).as("seed %d", seed).hasSameSizeAs(want);
                }
            }
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        } finally {
            Oracles.run(List.of("umount", kmnt.toString()));
        }
    }

    private static List<String> run(Path script, Path dir, long seed) throws Exception {
        Process p = new ProcessBuilder("python3", script.toString(), dir.toString(), Long.toString(seed), "800")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("acl-random.py finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
