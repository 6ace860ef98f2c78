package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Gets a /dev/fuse descriptor attached to a mount: mount(2) directly when root, else
 * through fusermount3, which mounts and hands the descriptor back over a socketpair
 * (SCM_RIGHTS; the socket's number is passed in the environment as _FUSE_COMMFD).
 */
final class Mounter {
    private static final String FUSERMOUNT = "fusermount3";

    private Mounter() {
    }

    static boolean isRoot() {
        return Native.geteuid() == 0;
    }

    /** Mounts and returns the connected /dev/fuse descriptor. */
    static int mount(Path dir, FuseMount.Options o) throws IOException {
        return o.fusermount() || !isRoot() ? viaFusermount(dir, o) : direct(dir, o);
    }

    private static int direct(Path dir, FuseMount.Options o) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int fd = Native.open(a.allocateFrom("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("open /dev/fuse: " + Errno.name(-fd));
            }
            String data = "fd=" + fd + ",rootmode=40000,user_id=" + Native.geteuid() + ",group_id="
                + Native.getegid() + (o.allowOther() ? ",allow_other" : "")
                + (o.defaultPermissions() ? ",default_permissions" : "");
            int r = Native.mount(a.allocateFrom(o.fsName()), a.allocateFrom(dir.toString()),
                a.allocateFrom("fuse." + o.subtype()), Native.MS_NOSUID | Native.MS_NODEV, a.allocateFrom(data));
            if (r < 0) {
                Native.close(fd);
                throw new IOException("mount " + dir + ": " + Errno.name(-r));
            }
            return fd;
        }
    }

    private static int viaFusermount(Path dir, FuseMount.Options o) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int r = Native.socketpair(Native.AF_UNIX, Native.SOCK_STREAM, 0, fds);
            if (r < 0) {
                throw new IOException("socketpair: " + Errno.name(-r));
            }
            int mine = fds.getAtIndex(JAVA_INT, 0), theirs = fds.getAtIndex(JAVA_INT, 1);
            try {
                String opts = "rw,nosuid,nodev,fsname=" + o.fsName() + ",subtype=" + o.subtype()
                    + (o.allowOther() ? ",allow_other" : "") + (o.defaultPermissions() ? ",default_permissions" : "");
                MemorySegment argv = strings(a, List.of(FUSERMOUNT, "-o", opts, "--", dir.toString()));
                List<String> env = new ArrayList<>();
                env.add("_FUSE_COMMFD=" + theirs);
                env.add("PATH=" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"));
                MemorySegment pid = a.allocate(JAVA_INT);
                r = Native.spawnp(pid, a.allocateFrom(FUSERMOUNT), argv, strings(a, env));
                if (r < 0) {
                    throw new IOException("spawn " + FUSERMOUNT + ": " + Errno.name(-r));
                }
                Native.close(theirs);
                theirs = -1;
                int fd = receiveFd(a, mine);
                MemorySegment status = a.allocate(JAVA_INT);
                Native.waitpid(pid.get(JAVA_INT, 0), status, 0);
                int st = status.get(JAVA_INT, 0);
                if (fd < 0) {
                    throw new IOException(FUSERMOUNT + " failed to mount " + dir + " (exit " + ((st >> 8) & 0xff)
                        + "); see its stderr");
                }
                return fd;
            } finally {
                Native.close(mine);
                if (theirs >= 0) {
                    Native.close(theirs);
                }
            }
        }
    }

    /** recvmsg with one byte of data and one SCM_RIGHTS descriptor; -1 if none came. */
    private static int receiveFd(Arena a, int sock) {
        MemorySegment data = a.allocate(8);
        MemorySegment iov = a.allocate(16);
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, 1);
        MemorySegment control = a.allocate(64);
        MemorySegment msg = a.allocate(56);
        msg.set(ADDRESS, 16, iov);
        msg.set(JAVA_LONG, 24, 1);
        msg.set(ADDRESS, 32, control);
        msg.set(JAVA_LONG, 40, 24); // CMSG_SPACE(sizeof(int))
        long n;
        do {
            n = Native.recvmsg(sock, msg, 0);
        } while (n == -Errno.EINTR);
        if (n <= 0 || control.get(JAVA_LONG, 0) < 20 || control.get(JAVA_INT, 8) != Native.SOL_SOCKET
            || control.get(JAVA_INT, 12) != Native.SCM_RIGHTS) {
            return -1;
        }
        return control.get(JAVA_INT, 16);
    }

    private static MemorySegment strings(Arena a, List<String> list) {
        MemorySegment arr = a.allocate(ADDRESS, list.size() + 1);
        for (int i = 0; i < list.size(); i++) {
            arr.setAtIndex(ADDRESS, i, a.allocateFrom(list.get(i)));
        }
        arr.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
        return arr;
    }

    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    /**
     * Aborts FUSE connection {@code id} (the mount's device minor) through fusectl: every request
     * it holds fails with ECONNABORTED and its /dev/fuse reads end. fusectl is mounted first if
     * it is not (root only; most distributions mount it at boot).
     */
    static void abort(long id) throws IOException {
        Path abort = CONNECTIONS.resolve(Long.toString(id)).resolve("abort");
        if (!Files.exists(abort) && isRoot() && Files.isDirectory(CONNECTIONS)) {
            try (Arena a = Arena.ofConfined()) {
                int r = Native.mount(a.allocateFrom("fusectl"), a.allocateFrom(CONNECTIONS.toString()),
                    a.allocateFrom("fusectl"), 0, MemorySegment.NULL);
                if (r < 0 && r != -Errno.EBUSY) {
                    throw new IOException("mount fusectl on " + CONNECTIONS + ": " + Errno.name(-r));
                }
            }
        }
        Files.writeString(abort, "1");
    }

    /** Lazily unmounts; quiet if it is no longer mounted. Returns true if the kernel agreed. */
    static boolean unmount(Path dir, boolean fusermount) {
        if (!fusermount && isRoot()) {
            try (Arena a = Arena.ofConfined()) {
                return Native.umount2(a.allocateFrom(dir.toString()), Native.MNT_DETACH) == 0;
            }
        }
        try {
            Process p = new ProcessBuilder(FUSERMOUNT, "-u", "-z", "-q", "--", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
