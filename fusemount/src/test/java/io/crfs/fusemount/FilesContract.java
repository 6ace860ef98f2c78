package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.volume.Oracles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One POSIX contract through the JDK's file API, run unchanged against the kernel's btrfs on a
 * loop mount (the oracle: whatever it does is right) and against every crfs front end: FUSE
 * mounts over the network and local, and the java.nio.file provider. Error codes are compared
 * through the exception types the JDK maps them to.
 */
abstract class FilesContract {
    /** An empty directory on the file system under test. */
    protected abstract Path base() throws Exception;

    /** Undo what base() set up (unmount, stop servers). */
    protected abstract void tearDown() throws Exception;

    /** The attribute view with nlink, mode, uid, gid: "unix" on the default file system. */
    protected String unixView() {
        return "unix";
    }

    protected long unix(Path p, String name) throws IOException {
        return ((Number) Files.getAttribute(p, unixView() + ":" + name)).longValue();
    }

    /** Whether the file system under test supports user.* xattrs through the JDK's view. */
    protected boolean supportsXattrs() {
        return true;
    }

    protected Path d;

    @BeforeEach
    void up() throws Exception {
        d = base();
    }

    @AfterEach
    void down() throws Exception {
        tearDown();
    }

    /** A fresh temporary directory other users can reach (the permission test runs a shell as nobody). */
    static Path tempDirForAll(String prefix) throws IOException {
        Path p = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /**
     * Runs {@code btrfs check} on a crfs-written image (when btrfs-progs is present), then removes
     * the image, the mount point and the directory; fails the test on any finding.
     */
    static void checkAndRemove(Path dir, Path img) throws Exception {
        String problems = Oracles.haveBtrfsTools() ? Oracles.btrfsCheck(img) : "";
        Files.deleteIfExists(img);
        Files.deleteIfExists(dir.resolve("mnt"));
        Files.deleteIfExists(dir);
        if (!problems.isEmpty()) {
            throw new AssertionError("btrfs check of " + img + ":\n" + problems);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createWriteReadAppendTruncate() throws IOException {
        Path f = d.resolve("f");
        Files.write(f, b("hello world"));
        assertThat(Files.readString(f)).isEqualTo("hello world");
        Files.write(f, b("!"), StandardOpenOption.APPEND);
        assertThat(Files.size(f)).isEqualTo(12);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(5);
            ch.write(ByteBuffer.wrap(b("XY")), 8);
        }
        byte[] got = Files.readAllBytes(f);
        assertThat(got).hasSize(10);
        assertThat(new String(got, 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(got[5]).isZero();
        assertThat(new String(got, 8, 2, StandardCharsets.UTF_8)).isEqualTo("XY");
        Files.write(f, b("new"), StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(Files.readString(f)).isEqualTo("new");
    }

    @Test
    void largeAndSparseFiles() throws IOException {
        Path f = d.resolve("big");
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(3).nextBytes(chunk);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 5; i++) {
                ch.write(ByteBuffer.wrap(chunk), (long) i << 20);
            }
            ch.write(ByteBuffer.wrap(b("end")), 50L << 20);
        }
        assertThat(Files.size(f)).isEqualTo((50L << 20) + 3);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1 << 20);
            ch.read(one, 3L << 20);
            assertThat(one.array()).isEqualTo(chunk);
            ByteBuffer hole = ByteBuffer.allocate(4096);
            ch.read(hole, 20L << 20);
            assertThat(hole.array()).containsOnly(0);
        }
    }

    @Test
    void fallocateModes() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(visibleToPrograms(), "fallocate(1) needs a mounted file system");
        Path f = d.resolve("fa");
        byte[] data = new byte[3 << 16];
        new java.util.Random(5).nextBytes(data);
        Files.write(f, data);
        shell("fallocate -z -o 5000 -l 70000 " + f + " && fallocate -p -o 100000 -l 9000 " + f
                + " && fallocate -z -o 190000 -l 20000 " + f + " && fallocate -z -n -o 205000 -l 100000 " + f
                + " && fallocate -n -o 300000 -l 4096 " + f);
        byte[] want = java.util.Arrays.copyOf(data, 210000);
        java.util.Arrays.fill(want, 5000, 75000, (byte) 0);
        java.util.Arrays.fill(want, 100000, 109000, (byte) 0);
        java.util.Arrays.fill(want, 190000, 210000, (byte) 0);
        assertThat(Files.readAllBytes(f)).isEqualTo(want);
        // the modes btrfs lacks fail the same way
        String out = shell("for m in -c -i; do fallocate $m -o 0 -l 65536 " + f + " 2>&1; echo rc=$?; done");
        assertThat(out.split("\n")).containsExactly(
                "fallocate: fallocate failed: Operation not supported", "rc=1",
                "fallocate: fallocate failed: Operation not supported", "rc=1");
        assertThat(Files.size(f)).isEqualTo(210000);
    }

    /**
     * open(2) with O_TMPFILE: a file with no name (nlink 0, not listed) that linkat(2) can name,
     * unless it was made with O_EXCL; one never named leaves nothing behind.
     */
    @Test
    void tmpfile() throws IOException {
        String out = python("tmpf", "O_TMPFILE", "import os, sys\n"
                + "d = sys.argv[1]\n"
                + "root = os.open('/', os.O_RDONLY)  # a dir fd makes os.link call linkat(AT_SYMLINK_FOLLOW)\n"
                + "fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o640)\n"
                + "os.write(fd, b'made with no name')\n"
                + "st = os.fstat(fd); print('nlink', st.st_nlink, oct(st.st_mode), sorted(os.listdir(d)), flush=True)\n"
                + "os.link('/proc/self/fd/%d' % fd, os.path.join(d, 'named'), src_dir_fd=root, follow_symlinks=True)\n"
                + "print('linked', os.fstat(fd).st_nlink, sorted(os.listdir(d)))\n"
                + "os.close(fd)\n"
                + "print(open(os.path.join(d, 'named'), 'rb').read())\n"
                + "fd = os.open(d, os.O_TMPFILE | os.O_WRONLY | os.O_EXCL, 0o600)\n"
                + "try:\n"
                + "    os.link('/proc/self/fd/%d' % fd, os.path.join(d, 'never'), src_dir_fd=root, follow_symlinks=True)\n"
                + "except OSError as e:\n"
                + "    print('O_EXCL: linkat errno', e.errno)\n"
                + "os.write(fd, b'gone'); os.close(fd)\n"
                + "fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600); os.close(fd)\n"
                + "print(sorted(os.listdir(d)))\n");
        assertThat(out.split("\n")).containsExactly(
                "nlink 0 0o100640 []",
                "linked 1 ['named']",
                "b'made with no name'",
                "O_EXCL: linkat errno 2",
                "['named']");
    }

    @Test
    void fileAttributeFlags() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(visibleToPrograms(), "chattr(1) needs a mounted file system");
        Path f = Files.writeString(d.resolve("fl"), "x");
        Path dir = Files.createDirectory(d.resolve("fld"));
        String[] out = shell("chattr +d " + f + " && chattr +A +m " + f + " && lsattr -l " + f + " && chattr -A " + f
                + " && lsattr -l " + f + " && chattr +d " + dir + " && lsattr -ld " + dir
                + " && { chattr +j " + f + " 2>&1; echo rc=$?; }").split("\n");
        assertThat(out).hasSize(5);
        assertThat(out[0]).startsWith(f.toString()).endsWith(" No_Dump, No_Atime, Dont_Compress");
        assertThat(out[1]).endsWith(" No_Dump, Dont_Compress");
        assertThat(out[2]).startsWith(dir.toString()).endsWith(" No_Dump");
        // data journalling: a flag btrfs does not have
        assertThat(out[3]).isEqualTo("chattr: Operation not supported while setting flags on " + f);
        assertThat(out[4]).isEqualTo("rc=1");
    }

    @Test
    void createErrors() throws IOException {
        Path f = Files.createFile(d.resolve("f"));
        assertThatThrownBy(() -> Files.createFile(f)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.createDirectory(f)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.createFile(d.resolve("missing/x"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.createFile(f.resolve("x"))).isInstanceOf(FileSystemException.class);
        assertThatThrownBy(() -> Files.readAllBytes(d.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.createFile(d.resolve("n".repeat(256)))).isInstanceOf(FileSystemException.class);
    }

    @Test
    void directoriesListAndRemove() throws IOException {
        Path sub = Files.createDirectories(d.resolve("a/b/c"));
        for (int i = 0; i < 300; i++) {
            Files.createFile(d.resolve("a/f" + i));
        }
        try (Stream<Path> s = Files.list(d.resolve("a"))) {
            assertThat(s.count()).isEqualTo(301);
        }
        assertThatThrownBy(() -> Files.delete(d.resolve("a"))).isInstanceOf(DirectoryNotEmptyException.class);
        assertThatThrownBy(() -> Files.newDirectoryStream(d.resolve("a/f1"))).isInstanceOf(NotDirectoryException.class);
        Files.delete(sub);
        assertThat(Files.exists(sub)).isFalse();
        try (Stream<Path> w = Files.walk(d)) {
            assertThat(w.count()).isEqualTo(1 + 1 + 300 + 1);
        }
    }

    @Test
    void renameSemantics() throws IOException {
        Path a = Files.writeString(d.resolve("a"), "A");
        Path b = Files.writeString(d.resolve("b"), "B");
        Files.move(a, b, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.exists(a)).isFalse();
        assertThat(Files.readString(b)).isEqualTo("A");
        Path dir = Files.createDirectory(d.resolve("dir"));
        Files.createFile(dir.resolve("inside"));
        Path other = Files.createDirectory(d.resolve("other"));
        assertThatThrownBy(() -> Files.move(other, dir, StandardCopyOption.REPLACE_EXISTING))
                .isInstanceOf(DirectoryNotEmptyException.class);
        assertThatThrownBy(() -> Files.move(dir, dir.resolve("inside/deeper"))).isInstanceOf(FileSystemException.class);
        Files.move(dir, d.resolve("moved"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.exists(d.resolve("moved/inside"))).isTrue();
        assertThatThrownBy(() -> Files.move(d.resolve("gone"), d.resolve("x"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void linksAndSymlinks() throws IOException {
        Path f = Files.writeString(d.resolve("f"), "data");
        Path h = Files.createLink(d.resolve("h"), f);
        assertThat(unix(f, "nlink")).isEqualTo(2);
        assertThat(Files.isSameFile(f, h)).isTrue();
        Files.delete(f);
        assertThat(Files.readString(h)).isEqualTo("data");
        assertThat(unix(h, "nlink")).isEqualTo(1);
        Path s = Files.createSymbolicLink(d.resolve("s"), d.getFileSystem().getPath("h"));
        assertThat(Files.readSymbolicLink(s).toString()).isEqualTo("h");
        assertThat(Files.readString(s)).isEqualTo("data");
        assertThat(Files.isSymbolicLink(s)).isTrue();
        Path dangling = Files.createSymbolicLink(d.resolve("dangling"), d.getFileSystem().getPath("nowhere"));
        assertThat(Files.exists(dangling)).isFalse();
        assertThat(Files.exists(dangling, LinkOption.NOFOLLOW_LINKS)).isTrue();
        Path longTarget = Files.createSymbolicLink(d.resolve("long"), d.getFileSystem().getPath("t".repeat(3000)));
        assertThat(Files.readSymbolicLink(longTarget).toString()).hasSize(3000);
    }

    @Test
    void modesOwnersAndTimes() throws IOException {
        Path f = Files.createFile(d.resolve("f"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rwxr-x---");
        Files.setAttribute(f, unixView() + ":mode", 04750);
        assertThat(unix(f, "mode") & 07777).isEqualTo(04750);
        Files.setAttribute(f, unixView() + ":gid", 50);
        assertThat(unix(f, "gid")).isEqualTo(50);
        FileTime t = FileTime.fromMillis(1_600_000_000_123L);
        Files.setLastModifiedTime(f, t);
        assertThat(Files.getLastModifiedTime(f)).isEqualTo(t);
        Files.writeString(f, "x");
        assertThat(Files.getLastModifiedTime(f).toMillis()).isGreaterThan(t.toMillis());
        // times a 64-bit count of nanoseconds cannot hold (before 1677, after 2262); set with
        // touch(1), as the JDK itself clamps a FileTime to that range when it sets one
        for (String when : visibleToPrograms() ? List.of("2300-01-01 00:00:00.123456789", "1600-06-01 12:00:00.000000000")
                : List.<String>of()) {
            String out = shell("TZ=UTC touch -m -d '" + when + "' " + f + " && TZ=UTC stat -c %y " + f);
            assertThat(out.trim()).as(when).isEqualTo(when + " +0000");
        }
    }

    /**
     * chown(2) with -1 for both ids changes no id but has chown's other effects, as on the
     * kernel's btrfs: a non-directory loses setuid, and setgid where group exec is set (root
     * keeps setgid without it), and ctime moves, also when another user calls it on a file it
     * clears nothing of; where it would clear a bit, another user gets EPERM. A write by another
     * user who may write clears setuid too, and succeeds.
     */
    @Test
    void chownWithoutIdsStillKillsSetuidAndSetgid() throws IOException {
        String out = python("cw", "chown(-1, -1)", """
                import os, sys, time
                d = sys.argv[1]
                os.chmod(d, 0o777)
                for name, mode in (("a", 0o2775), ("b", 0o6775), ("e", 0o2765), ("w", 0o4777), ("s", 0o4755),
                                   ("g", 0o2775)):
                    p = os.path.join(d, name)
                    os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
                    os.chmod(p, mode)
                    before = os.stat(p).st_ctime_ns
                    time.sleep(0.01)
                    if name not in ("w", "s", "g"):
                        os.chown(p, -1, -1)
                        print(name, oct(os.stat(p).st_mode), os.stat(p).st_ctime_ns > before)
                os.mkfifo(os.path.join(d, "fifo"))
                os.chmod(os.path.join(d, "fifo"), 0o2775)
                os.close(os.open(os.path.join(d, "plain"), os.O_CREAT | os.O_WRONLY, 0o644))
                os.mkdir(os.path.join(d, "dir"))
                os.chmod(os.path.join(d, "dir"), 0o2775)
                os.chown(os.path.join(d, "dir"), -1, -1)
                print("dir", oct(os.stat(os.path.join(d, "dir")).st_mode))
                if os.fork() == 0:
                    os.setgroups([])
                    os.setresgid(1001, 1001, 1001)
                    os.setresuid(1001, 1001, 1001)
                    fd = os.open(os.path.join(d, "w"), os.O_WRONLY)
                    print("w written by 1001:", os.write(fd, b"x"), oct(os.fstat(fd).st_mode))
                    os.close(fd)
                    for name in ("fifo", "plain", "s", "g"):
                        try:
                            before = os.stat(os.path.join(d, name)).st_ctime_ns
                            time.sleep(0.01)
                            os.chown(os.path.join(d, name), -1, -1)
                            print(name, "chown by 1001: ok", os.stat(os.path.join(d, name)).st_ctime_ns > before)
                        except OSError as e:
                            print(name, "chown by 1001:", e.strerror)
                    os._exit(0)
                os.wait()
                for name in ("fifo", "s", "g"):
                    print(name, oct(os.stat(os.path.join(d, name)).st_mode))
                """);
        assertThat(out).isEqualTo("""
                a 0o100775 True
                b 0o100775 True
                e 0o102765 True
                dir 0o42775
                w written by 1001: 1 0o100777
                fifo chown by 1001: Operation not permitted
                plain chown by 1001: ok True
                s chown by 1001: Operation not permitted
                g chown by 1001: Operation not permitted
                fifo 0o12775
                s 0o104755
                g 0o102775
                """);
    }

    /**
     * Runs a python3 script (umask 022) with a new directory {@code name} of the file system
     * under test as its first argument; skips where other programs do not see that file system.
     */
    private String python(String name, String what, String script) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(visibleToPrograms(), what + " needs a mounted file system");
        Path t = Files.createDirectory(d.resolve(name));
        return shell("umask 022; python3 - " + t + " <<'PY'\n" + script + "PY");
    }

    private static String shell(String script) throws IOException {
        try {
            Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void xattrs() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(supportsXattrs(), "no user xattr view here");
        Path f = Files.createFile(d.resolve("f"));
        UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        v.write("k", ByteBuffer.wrap(b("value")));
        v.write("big", ByteBuffer.wrap(new byte[3000]));
        assertThat(v.list()).containsExactlyInAnyOrder("k", "big");
        ByteBuffer got = ByteBuffer.allocate(v.size("k"));
        v.read("k", got);
        assertThat(new String(got.array(), StandardCharsets.UTF_8)).isEqualTo("value");
        v.delete("k");
        assertThat(v.list()).containsExactly("big");
        assertThatThrownBy(() -> v.size("k")).isInstanceOf(FileSystemException.class);
    }

    @Test
    void unlinkedWhileOpenStaysReadable() throws IOException {
        Path f = Files.writeString(d.resolve("f"), "still here");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Files.delete(f);
            assertThat(Files.exists(f)).isFalse();
            ByteBuffer buf = ByteBuffer.allocate(10);
            ch.read(buf, 0);
            assertThat(new String(buf.array(), StandardCharsets.UTF_8)).isEqualTo("still here");
        }
    }

    /** Whether other programs (a shell) see the file system under test at {@link #base()}. */
    protected boolean visibleToPrograms() {
        return true;
    }

    @Test
    void permissionChecksForAnotherUser() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(visibleToPrograms(), "not a mounted file system");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser"))
                || Files.isExecutable(Path.of("/sbin/runuser")), "needs runuser");
        Path priv = Files.createDirectory(d.resolve("priv"));
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path open = Files.writeString(d.resolve("open"), "o");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cmd = List.of("runuser", "-u", "nobody", "--", "sh", "-c",
                "ls " + priv + " >/dev/null 2>&1; echo ls=$?; cat " + open + " >/dev/null 2>&1; echo cat=$?; "
                        + "echo x >> " + open + " 2>/dev/null; echo append=$?");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertThat(out).contains("ls=2").contains("cat=0").doesNotContain("append=0");
    }

    /**
     * copy_file_range(2), looping on short counts as programs do: whole files, ranges at the same
     * place in a sector and not, a sparse source (its hole stays one), past the source's end,
     * and onto itself (EINVAL). On btrfs and crfs whole sectors are shared, not copied.
     */
    @Test
    void copyFileRange() throws IOException {
        String out = python("cfr", "copy_file_range(2)", "import os, sys, hashlib\n"
                + "d = sys.argv[1]\n"
                + "data = bytes((i * 7 + 3) % 251 for i in range(300000))\n"
                + "def put(name, chunks):\n"
                + "    fd = os.open(os.path.join(d, name), os.O_CREAT | os.O_WRONLY, 0o644)\n"
                + "    for off, b in chunks: os.pwrite(fd, b, off)\n"
                + "    os.close(fd)\n"
                + "def cfr(a, b, off_in, off_out, n):\n"
                + "    fi = os.open(os.path.join(d, a), os.O_RDONLY)\n"
                + "    fo = os.open(os.path.join(d, b), os.O_WRONLY | os.O_CREAT, 0o644)\n"
                + "    total = 0\n"
                + "    while total < n:\n"
                + "        r = os.copy_file_range(fi, fo, n - total, off_in + total, off_out + total)\n"
                + "        if r == 0: break\n"
                + "        total += r\n"
                + "    os.close(fi); os.close(fo)\n"
                + "    return total\n"
                + "def sha(name): return hashlib.sha256(open(os.path.join(d, name), 'rb').read()).hexdigest()[:16]\n"
                + "put('src', [(0, data)])\n"
                + "print(cfr('src', 'a', 0, 0, 1 << 20), sha('a') == sha('src'))\n"
                + "print(cfr('src', 'a', 5000, 9096, 200000), cfr('src', 'a', 100, 70001, 9000), sha('a'), os.path.getsize(os.path.join(d, 'a')))\n"
                + "print(cfr('src', 'a', 300000, 0, 10), cfr('src', 'far', 0, 1 << 20, 8192), os.path.getsize(os.path.join(d, 'far')))\n"
                + "put('sparse', [(0, data[:4096]), (1 << 20, data[:4096])])\n"
                + "print(cfr('sparse', 'c', 0, 0, 2 << 20), sha('c') == sha('sparse'))\n"
                + "fd = os.open(os.path.join(d, 'c'), os.O_RDONLY)\n"
                + "print(os.lseek(fd, 0, os.SEEK_HOLE), os.lseek(fd, 4096, os.SEEK_DATA))\n"
                + "os.close(fd)\n"
                + "fd = os.open(os.path.join(d, 'src'), os.O_RDWR)\n"
                + "try:\n"
                + "    os.copy_file_range(fd, fd, 8192, 0, 4096)\n"
                + "except OSError as e:\n"
                + "    print('onto itself: errno', e.errno)\n"
                + "print(os.copy_file_range(fd, fd, 8192, 0, 300000), sha('src'))\n");
        // what the kernel's btrfs prints for the same steps (KernelBtrfsContractTest)
        assertThat(out.split("\n")).containsExactly(
                "300000 True",
                "200000 9000 b8c1fdf48cee6525 300000",
                "0 8192 1056768",
                "1052672 True",
                "4096 1048576",
                "onto itself: errno 22",
                "8192 2c28e5ddf0c5c1a4");
    }

    /**
     * POSIX ACLs as setfacl(1) and getfacl(1) use them: a named user refused or let in (and
     * the mask limiting them), chmod rewriting the mask, mode bits following an ACL, a
     * directory's default ACL inherited by the files, directories, FIFOs and O_TMPFILE files
     * made in it in place of the umask (not by symlinks), removing ACLs.
     */
    @Test
    void posixAcls() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(visibleToPrograms(), "setfacl(1) needs a mounted file system");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser"))
                || Files.isExecutable(Path.of("/sbin/runuser")), "needs runuser");
        assertThat(Files.isExecutable(Path.of("/usr/bin/setfacl"))).as("setfacl(1): scripts/install-deps.sh installs acl").isTrue();
        Path t = Files.createDirectory(d.resolve("acl"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
        String out = shell("cd " + t + " && umask 022\n" + """
            nob() { runuser -u nobody -- "$@" 2>&1 | sed 's/^[a-z]*: //'; }
            echo hello > f; chmod 644 f
            setfacl -m u:nobody:--- f; getfacl -c f; stat -c %A f
            nob cat f
            setfacl -m u:nobody:r-- f; nob cat f
            chmod 600 f; getfacl -c f; stat -c %A f; nob cat f
            chmod 640 f; setfacl -m g:nogroup:rw- f; getfacl -c f; stat -c %A f
            setfacl -b f; getfacl -c f; stat -c %A f
            setfattr -x system.posix_acl_access f 2>&1; echo "remove absent: $?"
            setfacl -d -m u:nobody:r-- f 2>&1 | sed 's/^[a-z]*: //'
            mkdir dd; chmod 755 dd; setfacl -d -m u:nobody:rwx,g::r-x,o::--- dd; getfacl -c dd
            touch dd/new; mkdir dd/sub; mkfifo dd/fifo; ln -s new dd/ln
            stat -c '%A %n' dd/new dd/sub dd/fifo dd/ln; getfacl -c dd/new dd/sub
            nob sh -c 'echo by-nobody > dd/new'; cat dd/new
            nob ls dd/sub >/dev/null; echo "nobody lists sub: $?"
            python3 -c "import os; fd = os.open('dd', os.O_TMPFILE | os.O_RDWR, 0o666); print(oct(os.fstat(fd).st_mode)); print(os.getxattr('/proc/self/fd/%d' % fd, 'system.posix_acl_access')[:4])"
            setfacl -k dd; touch dd/plain; stat -c '%A %n' dd/plain; getfacl -c dd/plain
            setfacl -m m::r-x,u::rwx dd/sub; stat -c %A dd/sub; getfacl -c dd/sub
            """);
        // what the kernel's btrfs prints for the same steps (KernelBtrfsContractTest)
        assertThat(out).isEqualTo("""
            user::rw-
            user:nobody:---
            group::r--
            mask::r--
            other::r--
            
            -rw-r--r--
            f: Permission denied
            hello
            user::rw-
            user:nobody:r--\t#effective:---
            group::r--\t#effective:---
            mask::---
            other::---
            
            -rw-------
            f: Permission denied
            user::rw-
            user:nobody:r--
            group::r--
            group:nogroup:rw-
            mask::rw-
            other::---
            
            -rw-rw----
            user::rw-
            group::r--
            other::---
            
            -rw-r-----
            remove absent: 0
            f: Only directories can have default ACLs
            user::rwx
            group::r-x
            other::r-x
            default:user::rwx
            default:user:nobody:rwx
            default:group::r-x
            default:mask::rwx
            default:other::---
            
            -rw-rw---- dd/new
            drwxrwx--- dd/sub
            prw-rw---- dd/fifo
            lrwxrwxrwx dd/ln
            user::rw-
            user:nobody:rwx\t#effective:rw-
            group::r-x\t#effective:r--
            mask::rw-
            other::---
            
            user::rwx
            user:nobody:rwx
            group::r-x
            mask::rwx
            other::---
            default:user::rwx
            default:user:nobody:rwx
            default:group::r-x
            default:mask::rwx
            default:other::---
            
            by-nobody
            nobody lists sub: 0
            0o100660
            b'\\x02\\x00\\x00\\x00'
            -rw-r--r-- dd/plain
            user::rw-
            group::r--
            other::r--
            
            drwxr-x---
            user::rwx
            user:nobody:rwx\t#effective:r-x
            group::r-x
            mask::r-x
            other::---
            default:user::rwx
            default:user:nobody:rwx
            default:group::r-x
            default:mask::rwx
            default:other::---

            """);
    }

    @Test
    void copyAcrossAndWithin() throws IOException {
        Path src = Files.writeString(d.resolve("src"), "copy me");
        Files.copy(src, d.resolve("dst"));
        assertThat(Files.readString(d.resolve("dst"))).isEqualTo("copy me");
        assertThatThrownBy(() -> Files.copy(src, d.resolve("dst"))).isInstanceOf(FileAlreadyExistsException.class);
        Files.copy(src, d.resolve("dst"), StandardCopyOption.REPLACE_EXISTING);
    }
}
