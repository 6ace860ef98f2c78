package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FFM system calls against the real kernel, checked with java.nio where it can see the same thing. */
class LinuxSyscallsTest {
    @TempDir
    Path tmp;

    private static byte[] b(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void lstatAgreesWithNio() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "12345");
        LinuxSyscalls.Stat st = LinuxSyscalls.lstat(b(f));
        assertThat(st.isRegular()).isTrue();
        assertThat(st.size()).isEqualTo(5);
        assertThat(st.ino()).isEqualTo((Long) Files.getAttribute(f, "unix:ino"));
        assertThat(st.mode()).isEqualTo((Integer) Files.getAttribute(f, "unix:mode"));
        assertThat(st.nlink()).isEqualTo(1);
        Path link = Files.createSymbolicLink(tmp.resolve("l"), Path.of("f"));
        assertThat(LinuxSyscalls.lstat(b(link)).isSymlink()).isTrue();
        assertThat(LinuxSyscalls.readlink(b(link))).isEqualTo("f".getBytes());
        assertThatThrownBy(() -> LinuxSyscalls.lstat(b(tmp.resolve("none"))))
                .isInstanceOfSatisfying(LinuxSyscalls.SyscallException.class, e -> assertThat(e.errno()).isEqualTo(2))
                .hasMessageContaining("No such file");
    }

    @Test
    void timesToTheNanosecondOnSymlinkItself() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        Path link = Files.createSymbolicLink(tmp.resolve("l"), Path.of("f"));
        LinuxSyscalls.setTimes(b(link), 1_000_000_000L, 1, 1_234_567_890L, 987_654_321);
        FileTime m = Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS);
        assertThat(m.to(TimeUnit.NANOSECONDS)).isEqualTo(1_234_567_890_987_654_321L);
        assertThat(Files.getLastModifiedTime(f).to(TimeUnit.SECONDS)).isNotEqualTo(1_234_567_890L);
        LinuxSyscalls.Stat st = LinuxSyscalls.lstat(b(link));
        assertThat(st.atimeSec()).isEqualTo(1_000_000_000L);
        assertThat(st.atimeNsec()).isEqualTo(1);
    }

    @Test
    void listDirAndXattrs() throws IOException {
        Files.writeString(tmp.resolve("a"), "");
        Files.createDirectory(tmp.resolve("日本"));
        List<String> names = LinuxSyscalls.listDir(b(tmp)).stream().map(n -> new String(n, StandardCharsets.UTF_8)).sorted().toList();
        assertThat(names).containsExactly("a", "日本");
        byte[] a = b(tmp.resolve("a"));
        assertThat(LinuxSyscalls.listXattrs(a)).isEmpty();
        try {
            LinuxSyscalls.setXattr(a, "user.k".getBytes(), new byte[] {0, 1, 2, (byte) 255});
        } catch (LinuxSyscalls.SyscallException e) {
            org.junit.jupiter.api.Assumptions.abort("no user xattrs on the temp dir's file system: " + e.getMessage());
        }
        assertThat(LinuxSyscalls.listXattrs(a)).extracting(n -> new String(n)).contains("user.k");
        assertThat(LinuxSyscalls.getXattr(a, "user.k".getBytes())).containsExactly(0, 1, 2, 255);
        LinuxSyscalls.setXattr(a, "user.empty".getBytes(), new byte[0]);
        assertThat(LinuxSyscalls.getXattr(a, "user.empty".getBytes())).isEmpty();
    }

    @Test
    void listDirReadsBigDirectoriesInSeveralBatches() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("big"));
        for (int i = 0; i < 3000; i++) {
            Files.createFile(d.resolve("entry-with-a-longish-name-" + i));
        }
        LinuxSyscalls.lstat(b(tmp.resolve("does-not-exist-so-errno-is-stale")).length == 0 ? b(d) : b(d));
        assertThat(LinuxSyscalls.listDir(b(d))).hasSize(3000);
        assertThatThrownBy(() -> LinuxSyscalls.listDir(b(tmp.resolve("nope"))))
                .isInstanceOf(LinuxSyscalls.SyscallException.class);
    }

    @Test
    void seekDataAndHoleFindTheDataOfASparseFile() throws IOException {
        Path f = tmp.resolve("sparse");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(64L << 20);
            r.seek(32L << 20);
            r.write(new byte[8192]);
        }
        int fd = LinuxSyscalls.open(b(f), LinuxSyscalls.O_RDONLY, 0);
        try {
            long data = LinuxSyscalls.lseek(fd, 0, LinuxSyscalls.SEEK_DATA, b(f));
            long hole = LinuxSyscalls.lseek(fd, data, LinuxSyscalls.SEEK_HOLE, b(f));
            // ext4/btrfs/tmpfs report the real extent; a file system without hole support says 0..size.
            assertThat(data).isIn(0L, 32L << 20);
            assertThat(hole).isGreaterThan(data);
            assertThat(LinuxSyscalls.lseek(fd, 64L << 20, LinuxSyscalls.SEEK_DATA, b(f))).isEqualTo(-1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16);
                assertThat(LinuxSyscalls.pread(fd, buf, 16, (32L << 20) - 8, b(f))).isEqualTo(16);
                assertThat(buf.get(ValueLayout.JAVA_BYTE, 0)).isZero();
            }
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    @Test
    void writeSideCalls() throws IOException {
        byte[] f = b(tmp.resolve("w"));
        int fd = LinuxSyscalls.open(f, LinuxSyscalls.O_WRONLY | LinuxSyscalls.O_CREAT | LinuxSyscalls.O_EXCL, 0600);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(3);
            buf.copyFrom(MemorySegment.ofArray("abc".getBytes()));
            LinuxSyscalls.pwriteFully(fd, buf, 3, 10, f);
            LinuxSyscalls.ftruncate(fd, 100, f);
        } finally {
            LinuxSyscalls.close(fd);
        }
        assertThat(Files.size(tmp.resolve("w"))).isEqualTo(100);
        assertThat(new String(Files.readAllBytes(tmp.resolve("w")), 10, 3)).isEqualTo("abc");
        LinuxSyscalls.chmod(f, 04751);
        assertThat(LinuxSyscalls.lstat(f).mode() & 07777).isEqualTo(04751);
        LinuxSyscalls.mkdir(b(tmp.resolve("d")), 0750);
        assertThat(LinuxSyscalls.lstat(b(tmp.resolve("d"))).isDir()).isTrue();
        LinuxSyscalls.mknod(b(tmp.resolve("p")), 0010640, 0);
        assertThat(LinuxSyscalls.lstat(b(tmp.resolve("p"))).type()).isEqualTo(0010000);
        LinuxSyscalls.symlink("w".getBytes(), b(tmp.resolve("s")));
        LinuxSyscalls.link(f, b(tmp.resolve("h")));
        assertThat(LinuxSyscalls.lstat(f).nlink()).isEqualTo(2);
        LinuxSyscalls.unlink(b(tmp.resolve("h")));
        assertThat(LinuxSyscalls.lstat(f).nlink()).isEqualTo(1);
        LinuxSyscalls.Stat st = LinuxSyscalls.lstat(f);
        LinuxSyscalls.lchown(b(tmp.resolve("s")), st.uid(), st.gid()); // to itself: allowed for anyone
        assertThat(LinuxSyscalls.child("/a/".getBytes(), "b".getBytes())).isEqualTo("/a/b".getBytes());
        assertThat(LinuxSyscalls.child("/a".getBytes(), "b".getBytes())).isEqualTo("/a/b".getBytes());
    }
}
