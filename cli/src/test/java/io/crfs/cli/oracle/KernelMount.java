package io.crfs.cli.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Linux kernel loop mount of a btrfs image, the second oracle (btrfs-format.md §12.3). Closing
 * always unmounts and makes sure no loop device is left attached to the image, even when the test
 * failed; a leftover device is detached and reported.
 */
public final class KernelMount implements AutoCloseable {
    private final Path image;
    private final Path dir;
    private final Thread onExit;
    private boolean closed;

    private KernelMount(Path image, Path dir) {
        this.image = image;
        this.dir = dir;
        // A test JVM stopped by a timeout (SIGTERM) still unmounts; only SIGKILL can leak a mount.
        this.onExit = new Thread(() -> {
            Sh.run("umount", "-l", dir.toString());
            detachLeftovers(image);
        }, "umount " + dir);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** mount -o ro,loop: the kernel never writes to the image. */
    public static KernelMount readOnly(Path image) {
        return mount(image, "ro,loop");
    }

    /** mount -o loop (read-write): the kernel may rewrite any tree; re-check after close. */
    public static KernelMount readWrite(Path image) {
        return mount(image, "loop");
    }

    private static KernelMount mount(Path image, String options) {
        Path dir;
        try {
            dir = Files.createTempDirectory("crfs-mnt-");
        } catch (IOException e) {
            throw new AssertionError("cannot create a mount point", e);
        }
        Sh.Result r = Sh.run("mount", "-t", "btrfs", "-o", options, image.toString(), dir.toString());
        if (!r.ok()) {
            String dmesg = Sh.run("sh", "-c", "dmesg 2>/dev/null | tail -20").output();
            detachLeftovers(image);
            deleteQuietly(dir);
            throw new AssertionError("kernel refused to mount " + image + " (-o " + options + "), exit " + r.exit()
                    + ":\n" + r.output() + "\nkernel log tail:\n" + dmesg);
        }
        return new KernelMount(image, dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or will run; unmounting twice is harmless
        }
        Sh.Result r = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            r = Sh.run("umount", dir.toString());
            if (r.ok()) {
                break;
            }
            sleep(200); // a just-closed file may still be busy for a moment
        }
        String problem = null;
        if (r == null || !r.ok()) {
            problem = "umount " + dir + " failed: " + (r == null ? "" : r.output()) + "; detached lazily";
            Sh.run("umount", "-l", dir.toString());
        }
        String leftover = detachLeftovers(image);
        if (leftover != null && problem == null) {
            problem = "loop device still attached to " + image + " after umount (now detached): " + leftover;
        }
        deleteQuietly(dir);
        if (problem != null) {
            throw new AssertionError(problem);
        }
    }

    /** Detaches every loop device backed by the image; returns what was attached, or null if none. */
    static String detachLeftovers(Path image) {
        String attached = Sh.run("losetup", "-j", image.toAbsolutePath().toString()).output().trim();
        if (attached.isEmpty()) {
            return null;
        }
        for (String line : attached.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                Sh.run("losetup", "-d", line.substring(0, colon));
            }
        }
        return attached;
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty means still mounted (lazy); leave it for the OS to clean
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
