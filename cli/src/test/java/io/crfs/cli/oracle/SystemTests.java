package io.crfs.cli.oracle;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Preconditions of tests tagged {@code system}: root (loop mounts, chown, mknod, trusted xattrs)
 * and btrfs-progs. Elsewhere those tests are skipped, not failed; CI is root and has them
 * (scripts/install-deps.sh), so there they run.
 */
public final class SystemTests {
    private SystemTests() {}

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || Sh.run("id", "-u").output().trim().equals("0");
    }

    public static void assumeRootWithBtrfs() {
        assumeTrue(isRoot(), "system test needs root (loop mounts, mknod, chown); skipped");
        for (String tool : new String[] {"btrfs", "mkfs.btrfs", "losetup", "mount", "umount", "getfattr", "setfattr"}) {
            assumeTrue(Sh.has(tool), tool + " is missing (scripts/install-deps.sh installs it); skipped");
        }
        assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/dev/loop-control"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/dev/loop0")), "no loop devices; skipped");
    }
}
