package io.crfs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.spi.FileSystemProvider;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The POSIX contract of the provider, through the public {@link Files} API only, against a
 * real crfsd. Every test works in a fresh directory of its own.
 */
class CrfsFilesContractTest {
    static CrfsdFixture server;
    static FileSystem fs;
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        server = new CrfsdFixture();
        fs = FileSystems.newFileSystem(server.uri("/"), Map.of());
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (fs != null) {
                fs.close();
            }
        } finally {
            server.close();
        }
    }

    @BeforeEach
    void freshDir(TestInfo info) throws IOException {
        dir = Files.createDirectory(fs.getPath("/" + info.getTestMethod().orElseThrow().getName()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- provider and paths ---------------------------------------------------------------

    @Test
    void testServiceLoader_findsCrfsScheme() {
        assertThat(FileSystemProvider.installedProviders()).anyMatch(p -> p.getScheme().equals("crfs"));
        Path p = Path.of(server.uri("/testServiceLoader_findsCrfsScheme/x"));
        assertThat(p.getFileSystem()).isSameAs(fs); // the cached file system of this host:port
        assertThat(p.toString()).isEqualTo("/testServiceLoader_findsCrfsScheme/x");
        assertThat(p.toUri()).isEqualTo(server.uri("/testServiceLoader_findsCrfsScheme/x"));
        assertThat(FileSystems.getFileSystem(server.uri("/"))).isSameAs(fs);
    }

    @Test
    void testNewFileSystem_twiceForOneServer_alreadyExists() {
        assertThatThrownBy(() -> FileSystems.newFileSystem(server.uri("/"), Map.of()))
                .isInstanceOf(java.nio.file.FileSystemAlreadyExistsException.class);
        assertThatThrownBy(() -> FileSystems.getFileSystem(URI.create("crfs://127.0.0.1:1/")))
                .isInstanceOf(FileSystemNotFoundException.class);
    }

    @Test
    void testPath_unixSemantics() {
        Path a = fs.getPath("/a/b/../c/./d");
        assertThat(a.isAbsolute()).isTrue();
        assertThat(a.normalize().toString()).isEqualTo("/a/c/d");
        assertThat(a.getNameCount()).isEqualTo(6);
        assertThat(a.getFileName().toString()).isEqualTo("d");
        assertThat(a.getRoot().toString()).isEqualTo("/");
        assertThat(fs.getPath("x//y/").toString()).isEqualTo("x/y");
        assertThat(fs.getPath("x", "y", "z").isAbsolute()).isFalse();
        assertThat(fs.getPath("/a/b").resolve("c/d")).isEqualTo(fs.getPath("/a/b/c/d"));
        assertThat(fs.getPath("/a/b").resolve("/e")).isEqualTo(fs.getPath("/e"));
        assertThat(fs.getPath("/a/b").relativize(fs.getPath("/a/c/d"))).isEqualTo(fs.getPath("../c/d"));
        assertThat(fs.getPath("/a/b/c").startsWith("/a/b")).isTrue();
        assertThat(fs.getPath("/a/b/c").startsWith("/a/bc")).isFalse();
        assertThat(fs.getPath("/a/b/c").endsWith("b/c")).isTrue();
        assertThat(fs.getPath("/a/b/c").subpath(1, 3)).isEqualTo(fs.getPath("b/c"));
        assertThat(fs.getPath("/a/b").getParent()).isEqualTo(fs.getPath("/a"));
        assertThat(fs.getPath("/../x").normalize()).isEqualTo(fs.getPath("/x"));
        assertThat(fs.getPath("../x").normalize()).isEqualTo(fs.getPath("../x"));
        assertThat(fs.getPath("/a/b").compareTo(fs.getPath("/a/c"))).isNegative();
        assertThat(fs.getPath("/a").hashCode()).isEqualTo(fs.getPath("/a/").hashCode());
        List<String> names = new java.util.ArrayList<>();
        fs.getPath("/p/q/r").forEach(n -> names.add(n.toString()));
        assertThat(names).containsExactly("p", "q", "r");
        Path uni = fs.getPath("/dir/naïve ü");
        assertThat(Path.of(uni.toUri())).isEqualTo(uni);
        assertThat(fs.getPathMatcher("glob:**/*.{txt,md}").matches(fs.getPath("/a/b/c.md"))).isTrue();
        assertThat(fs.getPathMatcher("glob:*.txt").matches(fs.getPath("a/c.txt"))).isFalse();
        assertThat(fs.getPathMatcher("regex:.*\\.txt").matches(fs.getPath("a/c.txt"))).isTrue();
    }

    // ---- read and write -------------------------------------------------------------------

    @Test
    void testWriteRead_roundTrip() throws IOException {
        Path f = dir.resolve("hello.txt");
        Files.writeString(f, "hello crfs\n");
        assertThat(Files.readString(f)).isEqualTo("hello crfs\n");
        assertThat(Files.size(f)).isEqualTo(11);
        assertThat(Files.exists(f)).isTrue();
        assertThat(Files.isRegularFile(f)).isTrue();
        Files.write(f, List.of("a", "b"), StandardOpenOption.APPEND);
        assertThat(Files.readAllLines(f)).containsExactly("hello crfs", "a", "b");
        Files.write(f, utf8("x"));
        assertThat(Files.readAllBytes(f)).isEqualTo(utf8("x")); // TRUNCATE_EXISTING by default
    }

    @Test
    void testRead_missing_noSuchFile() {
        assertThatThrownBy(() -> Files.readAllBytes(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.readAllBytes(dir.resolve("nope/deeper"))).isInstanceOf(NoSuchFileException.class);
        assertThat(Files.exists(dir.resolve("nope"))).isFalse();
        assertThat(Files.notExists(dir.resolve("nope"))).isTrue();
    }

    @Test
    void testOpen_throughAFile_notDirectory() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> Files.readAllBytes(dir.resolve("f/x"))).isInstanceOf(FileSystemException.class);
        assertThatThrownBy(() -> Files.writeString(dir, "x")).isInstanceOf(FileSystemException.class);
    }

    @Test
    void testCreateNew_existing_fileAlreadyExists() throws IOException {
        Path f = dir.resolve("f");
        Files.createFile(f);
        assertThatThrownBy(() -> Files.createFile(f)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.newByteChannel(f, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.newByteChannel(dir.resolve("g"), StandardOpenOption.WRITE))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void testCreateFile_withPermissions_umaskApplied() throws IOException {
        Path f = Files.createFile(dir.resolve("f"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rwxr-xr-x");
        Path g = Files.createFile(dir.resolve("g"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(g))).isEqualTo("rw-r--r--");
    }

    @Test
    void testSeekableByteChannel_positionSizeTruncate() throws IOException {
        Path f = dir.resolve("f");
        try (SeekableByteChannel ch = Files.newByteChannel(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            assertThat(ch.write(ByteBuffer.wrap(utf8("0123456789")))).isEqualTo(10);
            assertThat(ch.position()).isEqualTo(10);
            assertThat(ch.size()).isEqualTo(10);
            ch.position(3);
            ByteBuffer b = ByteBuffer.allocate(4);
            assertThat(ch.read(b)).isEqualTo(4);
            assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("3456");
            ch.position(20);
            ch.write(ByteBuffer.wrap(utf8("Z")));
            assertThat(ch.size()).isEqualTo(21);
            assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            ch.truncate(5);
            assertThat(ch.size()).isEqualTo(5);
            assertThat(ch.position()).isEqualTo(5);
        }
        byte[] all = Files.readAllBytes(f);
        assertThat(new String(all, StandardCharsets.UTF_8)).isEqualTo("01234");
    }

    @Test
    void testFileChannel_positionalIoAppendForce() throws IOException {
        Path f = dir.resolve("f");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(utf8("abcdef")), 10);
            assertThat(ch.position()).isZero();
            assertThat(ch.size()).isEqualTo(16);
            ByteBuffer b = ByteBuffer.allocate(3);
            assertThat(ch.read(b, 11)).isEqualTo(3);
            assertThat(b.array()).isEqualTo(utf8("bcd"));
            ByteBuffer hole = ByteBuffer.allocate(2);
            ch.read(hole, 0);
            assertThat(hole.array()).isEqualTo(new byte[2]);
            ch.force(true);
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(utf8("!")));
            assertThat(ch.position()).isEqualTo(17);
            assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).isInstanceOf(java.nio.channels.NonReadableChannelException.class);
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(utf8("x")))).isInstanceOf(NonWritableChannelException.class);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ch.transferTo(10, 100, java.nio.channels.Channels.newChannel(out));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("abcdef!");
        }
        assertThatThrownBy(() -> Files.newByteChannel(f, StandardOpenOption.READ, StandardOpenOption.APPEND))
                .isInstanceOf(IllegalArgumentException.class);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            assertThat(ch.size()).isZero();
            var in = java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(utf8("xyz")));
            assertThat(ch.transferFrom(in, 5, 3)).as("past the end: nothing, as FileChannel").isZero();
            assertThat(ch.transferFrom(in, 0, 2)).isEqualTo(2);
            assertThat(ch.size()).isEqualTo(2);
        }
        assertThat(Files.readString(f)).isEqualTo("xy");
        // between two channels of this file system: copy_file_range, positions as FileChannel moves them
        byte[] big = new byte[300_000];
        new java.util.Random(3).nextBytes(big);
        Path g = Files.write(f.resolveSibling("big"), big);
        try (FileChannel from = FileChannel.open(g, StandardOpenOption.READ);
             FileChannel to = FileChannel.open(f.resolveSibling("copy"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            to.position(4096);
            assertThat(from.transferTo(8192, 1 << 20, to)).isEqualTo(300_000 - 8192);
            assertThat(to.position()).isEqualTo(4096 + 300_000 - 8192);
            from.position(100);
            assertThat(to.transferFrom(from, 0, 4096)).isEqualTo(4096);
            assertThat(from.position()).isEqualTo(4196);
        }
        byte[] want = new byte[4096 + 300_000 - 8192];
        System.arraycopy(big, 100, want, 0, 4096);
        System.arraycopy(big, 8192, want, 4096, 300_000 - 8192);
        assertThat(Files.readAllBytes(f.resolveSibling("copy"))).isEqualTo(want);
    }

    @Test
    @SuppressWarnings("try")
    void testFileChannel_locksFollowJvmRules() throws IOException {
        Path f = dir.resolve("f");
        Files.write(f, new byte[100]);
        try (FileChannel a = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel b = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock l = a.lock(0, 50, false);
            assertThat(l.isValid()).isTrue();
            assertThat(l.isShared()).isFalse();
            assertThatThrownBy(() -> b.tryLock(10, 10, true)).isInstanceOf(OverlappingFileLockException.class);
            assertThatThrownBy(() -> a.lock(40, 20, false)).isInstanceOf(OverlappingFileLockException.class);
            FileLock other = b.tryLock(50, 50, false);
            assertThat(other).isNotNull();
            l.release();
            assertThat(l.isValid()).isFalse();
            FileLock again = b.lock(0, 10, true);
            assertThat(again.isShared()).isTrue();
            b.close();
            assertThat(again.isValid()).isFalse();
            assertThat(a.tryLock(0, 100, false)).isNotNull();
        }
        try (FileChannel r = FileChannel.open(f, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> r.lock()).isInstanceOf(NonWritableChannelException.class);
        }
    }

    @Test
    void testDeleteOnClose_removesFile() throws IOException {
        Path f = dir.resolve("tmp");
        try (SeekableByteChannel ch = Files.newByteChannel(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE)) {
            ch.write(ByteBuffer.wrap(utf8("x")));
            assertThat(Files.exists(f)).isTrue();
        }
        assertThat(Files.exists(f)).isFalse();
    }

    @Test
    void testUnlinkWhileOpen_stillReadable() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "still here");
        try (SeekableByteChannel ch = Files.newByteChannel(f)) {
            Files.delete(f);
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b);
            assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("still here");
        }
    }

    @Test
    void testStreams_largeFileRoundTrip() throws IOException {
        byte[] data = new byte[9 * 1024 * 1024 + 123];
        new Random(42).nextBytes(data);
        Path f = dir.resolve("big");
        try (OutputStream out = Files.newOutputStream(f)) {
            for (int i = 0; i < data.length; i += 65536) {
                out.write(data, i, Math.min(65536, data.length - i));
            }
        }
        assertThat(Files.size(f)).isEqualTo(data.length);
        assertThat(Files.readAllBytes(f)).isEqualTo(data);
        try (InputStream in = Files.newInputStream(f)) {
            in.skipNBytes(5_000_000);
            assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOfRange(data, 5_000_000, 5_000_010));
        }
    }

    // ---- directories ----------------------------------------------------------------------

    @Test
    void testCreateDirectory_errors() throws IOException {
        Path d = Files.createDirectory(dir.resolve("d"));
        assertThat(Files.isDirectory(d)).isTrue();
        assertThatThrownBy(() -> Files.createDirectory(d)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.createDirectory(dir.resolve("no/d"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.createDirectory(fs.getPath("/"))).isInstanceOf(FileAlreadyExistsException.class);
        Path deep = Files.createDirectories(dir.resolve("a/b/c"));
        assertThat(Files.isDirectory(deep)).isTrue();
        assertThat(Files.createDirectories(deep)).isEqualTo(deep);
    }

    @Test
    void testDirectoryStream_listsAndFilters() throws IOException {
        for (int i = 0; i < 600; i++) {
            Files.createFile(dir.resolve("f" + i + (i % 2 == 0 ? ".txt" : ".bin")));
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            int n = 0;
            for (Path p : s) {
                assertThat(p.getParent()).isEqualTo(dir);
                n++;
            }
            assertThat(n).isEqualTo(600);
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.txt")) {
            List<Path> txt = new java.util.ArrayList<>();
            s.forEach(txt::add);
            assertThat(txt).hasSize(300).allMatch(p -> p.toString().endsWith(".txt"));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.count()).isEqualTo(600);
        }
        Path f = dir.resolve("f0.txt");
        assertThatThrownBy(() -> Files.newDirectoryStream(f)).isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> Files.newDirectoryStream(dir.resolve("none"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void testWalk_tree() throws IOException {
        Files.createDirectories(dir.resolve("a/b/c"));
        Files.createDirectories(dir.resolve("a/d"));
        Files.writeString(dir.resolve("a/b/c/f1"), "1");
        Files.writeString(dir.resolve("a/d/f2"), "22");
        Files.writeString(dir.resolve("top"), "333");
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.map(p -> dir.relativize(p).toString()).sorted().toList())
                    .containsExactly("", "a", "a/b", "a/b/c", "a/b/c/f1", "a/d", "a/d/f2", "top");
        }
        try (Stream<Path> s = Files.find(dir, 10, (p, a) -> a.isRegularFile() && a.size() >= 2)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("f2", "top");
        }
    }

    @Test
    void testDelete_errors() throws IOException {
        Path d = Files.createDirectories(dir.resolve("d/e"));
        assertThatThrownBy(() -> Files.delete(dir.resolve("d"))).isInstanceOf(DirectoryNotEmptyException.class);
        assertThatThrownBy(() -> Files.delete(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
        assertThat(Files.deleteIfExists(dir.resolve("missing"))).isFalse();
        Files.delete(d);
        Files.delete(dir.resolve("d"));
        assertThat(Files.exists(dir.resolve("d"))).isFalse();
        assertThatThrownBy(() -> Files.delete(fs.getPath("/"))).isInstanceOf(FileSystemException.class);
    }

    // ---- links ----------------------------------------------------------------------------

    @Test
    void testSymbolicLink_createReadFollow() throws IOException {
        Path target = Files.writeString(dir.resolve("target"), "via link");
        Path link = Files.createSymbolicLink(dir.resolve("link"), fs.getPath("target"));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(fs.getPath("target"));
        assertThat(Files.readString(link)).isEqualTo("via link");
        assertThat(Files.isRegularFile(link)).isTrue();
        assertThat(Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(link.toRealPath()).isEqualTo(target);
        assertThat(Files.isSameFile(link, target)).isTrue();
        Path dlink = Files.createSymbolicLink(dir.resolve("dlink"), dir);
        assertThat(Files.readString(dlink.resolve("target"))).isEqualTo("via link");
        assertThat(dir.resolve("dlink/../" + dir.getFileName() + "/target").toRealPath()).isEqualTo(target);
        assertThatThrownBy(() -> Files.readSymbolicLink(target)).isInstanceOf(NotLinkException.class);
        assertThatThrownBy(() -> Files.createSymbolicLink(link, target)).isInstanceOf(FileAlreadyExistsException.class);
        Path loop = Files.createSymbolicLink(dir.resolve("loop"), fs.getPath("loop"));
        assertThatThrownBy(() -> Files.readAllBytes(loop)).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("ELOOP");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), fs.getPath("made-by-write"));
        Files.writeString(dangling, "created through a dangling link");
        assertThat(Files.readString(dir.resolve("made-by-write"))).isEqualTo("created through a dangling link");
        Files.delete(link);
        assertThat(Files.exists(target)).isTrue();
    }

    @Test
    void testHardLink_sameFile() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "data");
        Path g = Files.createLink(dir.resolve("g"), f);
        assertThat(Files.isSameFile(f, g)).isTrue();
        assertThat(Files.getAttribute(f, "crfs:nlink")).isEqualTo(2L);
        Files.delete(f);
        assertThat(Files.readString(g)).isEqualTo("data");
        assertThatThrownBy(() -> Files.createLink(dir.resolve("h"), dir.resolve("none"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.createLink(g, g)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.isSameFile(g, dir)).isFalse();
    }

    // ---- copy and move --------------------------------------------------------------------

    @Test
    void testCopy_withinFileSystem() throws IOException {
        Path src = Files.writeString(dir.resolve("src"), "content");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwx------"));
        FileTime old = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));
        Files.setLastModifiedTime(src, old);
        Path dst = Files.copy(src, dir.resolve("dst"));
        assertThat(Files.readString(dst)).isEqualTo("content");
        assertThat(Files.getLastModifiedTime(dst)).isNotEqualTo(old);
        assertThatThrownBy(() -> Files.copy(src, dst)).isInstanceOf(FileAlreadyExistsException.class);
        Files.writeString(src, "changed");
        Files.setLastModifiedTime(src, old);
        Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        assertThat(Files.readString(dst)).isEqualTo("changed");
        assertThat(Files.getLastModifiedTime(dst)).isEqualTo(old);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst))).isEqualTo("rwx------");
        assertThatThrownBy(() -> Files.copy(dir.resolve("none"), dir.resolve("x"))).isInstanceOf(NoSuchFileException.class);
        Path d = Files.createDirectory(dir.resolve("d"));
        Files.createFile(d.resolve("inside"));
        assertThatThrownBy(() -> Files.copy(src, d, StandardCopyOption.REPLACE_EXISTING))
                .isInstanceOf(DirectoryNotEmptyException.class);
        Path d2 = Files.copy(d, dir.resolve("d2"));
        assertThat(Files.isDirectory(d2)).isTrue();
        try (Stream<Path> s = Files.list(d2)) {
            assertThat(s.count()).isZero(); // directories are copied empty
        }
    }

    @Test
    void testCopy_acrossProviders() throws IOException {
        java.nio.file.Path local = Files.createTempFile("crfs-nio", ".txt");
        try {
            Files.writeString(local, "from the default file system");
            Path in = Files.copy(local, dir.resolve("in"));
            assertThat(Files.readString(in)).isEqualTo("from the default file system");
            Files.writeString(in, "and back");
            Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.readString(local)).isEqualTo("and back");
            try (InputStream s = Files.newInputStream(local)) {
                Files.copy(s, dir.resolve("stream"));
            }
            assertThat(Files.readString(dir.resolve("stream"))).isEqualTo("and back");
        } finally {
            Files.deleteIfExists(local);
        }
    }

    @Test
    void testMove_renameReplaceAtomic() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "A");
        Path b = Files.writeString(dir.resolve("b"), "B");
        assertThatThrownBy(() -> Files.move(a, b)).isInstanceOf(FileAlreadyExistsException.class);
        Files.move(a, b, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.exists(a)).isFalse();
        assertThat(Files.readString(b)).isEqualTo("A");
        Path c = Files.move(b, dir.resolve("c"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.readString(c)).isEqualTo("A");
        Files.writeString(a, "new a");
        Files.move(a, c, StandardCopyOption.ATOMIC_MOVE); // replaces, as rename(2)
        assertThat(Files.readString(c)).isEqualTo("new a");
        Path d = Files.createDirectories(dir.resolve("d/sub"));
        Files.writeString(d.resolve("f"), "deep");
        Path moved = Files.move(dir.resolve("d"), dir.resolve("e"));
        assertThat(Files.readString(moved.resolve("sub/f"))).isEqualTo("deep");
        assertThatThrownBy(() -> Files.move(dir.resolve("none"), dir.resolve("x"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.move(c, moved, StandardCopyOption.REPLACE_EXISTING))
                .isInstanceOf(DirectoryNotEmptyException.class);
        assertThatThrownBy(() -> Files.move(moved, moved.resolve("sub/into-itself")))
                .isInstanceOf(FileSystemException.class);
        Files.move(c, c); // same file: nothing happens
        assertThat(Files.exists(c)).isTrue();
    }

    // ---- attributes and access ------------------------------------------------------------

    @Test
    void testAttributes_basicPosixCrfs() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "12345");
        BasicFileAttributes b = Files.readAttributes(f, BasicFileAttributes.class);
        assertThat(b.size()).isEqualTo(5);
        assertThat(b.isRegularFile()).isTrue();
        assertThat(b.fileKey()).isNotNull();
        PosixFileAttributes p = Files.readAttributes(f, PosixFileAttributes.class);
        assertThat(p.owner().getName()).isEqualTo("0");
        assertThat(p.group().getName()).isEqualTo("0");
        Map<String, Object> m = Files.readAttributes(f, "posix:size,permissions,owner");
        assertThat(m).containsOnlyKeys("size", "permissions", "owner");
        Map<String, Object> c = Files.readAttributes(f, "crfs:*");
        assertThat(c).containsKeys("ino", "nlink", "rdev", "mode", "uid", "gid", "ctime");
        assertThat((Integer) c.get("mode") & 0170000).isEqualTo(0100000);
        assertThat(Files.readAttributes(dir, "size,isDirectory")).containsEntry("isDirectory", true);
        assertThatThrownBy(() -> Files.readAttributes(f, "dos:*")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Files.readAttributes(f, "basic:nope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Files.readAttributes(dir.resolve("none"), BasicFileAttributes.class))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(fs.supportedFileAttributeViews()).contains("basic", "posix", "owner", "crfs");
    }

    @Test
    void testSetAttributes_timesPermissionsOwners() throws IOException {
        Path f = Files.createFile(dir.resolve("f"));
        FileTime m = FileTime.from(Instant.parse("2020-01-02T03:04:05.000000123Z"));
        FileTime a = FileTime.from(Instant.parse("2019-01-02T03:04:05Z"));
        Files.getFileAttributeView(f, PosixFileAttributeView.class).setTimes(m, a, null);
        assertThat(Files.getLastModifiedTime(f)).isEqualTo(m);
        assertThat(Files.getAttribute(f, "lastAccessTime")).isEqualTo(a);
        Files.setAttribute(f, "basic:lastModifiedTime", a);
        assertThat(Files.getLastModifiedTime(f)).isEqualTo(a);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r-----"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("r--r-----");
        Files.setAttribute(f, "posix:permissions", PosixFilePermissions.fromString("rw-------"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        var lookup = fs.getUserPrincipalLookupService();
        UserPrincipal u = lookup.lookupPrincipalByName("1234");
        Files.setOwner(f, u);
        assertThat(Files.getOwner(f)).isEqualTo(u);
        Files.getFileAttributeView(f, PosixFileAttributeView.class).setGroup(lookup.lookupPrincipalByGroupName("77"));
        assertThat(Files.getAttribute(f, "crfs:gid")).isEqualTo(77);
        Files.setAttribute(f, "crfs:mode", 0640);
        assertThat((Integer) Files.getAttribute(f, "crfs:mode") & 07777).isEqualTo(0640);
        assertThatThrownBy(() -> lookup.lookupPrincipalByName("alice"))
                .isInstanceOf(java.nio.file.attribute.UserPrincipalNotFoundException.class);
        assertThatThrownBy(() -> Files.setAttribute(f, "basic:size", 3L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Files.setLastModifiedTime(dir.resolve("none"), m)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void testAccess_asUnprivilegedUser() throws IOException {
        Path f = Files.writeString(dir.resolve("secret"), "s");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        fs.provider().checkAccess(f, AccessMode.READ, AccessMode.WRITE);
        assertThat(Files.isExecutable(f)).isFalse(); // root: x needs some x bit
        try (FileSystem user = FileSystems.newFileSystem(server.uri("/"), Map.of("name", "user", "uid", 1000, "gid", 1000))) {
            Path uf = user.getPath(f.toString());
            assertThat(Files.exists(uf)).isTrue();
            assertThat(Files.isReadable(uf)).isFalse();
            assertThatThrownBy(() -> Files.readString(uf)).isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> Files.createFile(user.getPath(dir.toString(), "mine")))
                    .isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> Files.delete(uf)).isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> Files.setPosixFilePermissions(uf, PosixFilePermissions.fromString("rwxrwxrwx")))
                    .isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> user.provider().checkAccess(user.getPath("/none")))
                    .isInstanceOf(NoSuchFileException.class);
        }
    }

    /**
     * A transfer between two channels of this file system shares the source's data (crfsd's
     * copy_file_range) instead of copying it: 32 MiB transferred take no data space, where a
     * copy of the bytes takes 32 MiB.
     */
    @Test
    void transferBetweenChannelsSharesTheData() throws IOException {
        byte[] big = new byte[32 << 20];
        new java.util.Random(4).nextBytes(big);
        Path src = Files.write(dir.resolve("src"), big);
        Path dst = dir.resolve("dst");
        FileStore store = Files.getFileStore(src);
        try (FileChannel s = FileChannel.open(src, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            s.force(true);
            long before = store.getUnallocatedSpace();
            try (FileChannel d = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                assertThat(s.transferTo(0, big.length, d)).isEqualTo(big.length);
                d.force(true);
            }
            assertThat(before - store.getUnallocatedSpace()).as("data space the transfer took").isLessThan(4L << 20);
        }
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    @Test
    void testHiddenSameFileStore() throws IOException {
        Path h = Files.createFile(dir.resolve(".hidden"));
        assertThat(Files.isHidden(h)).isTrue();
        assertThat(Files.isHidden(dir)).isFalse();
        assertThat(Files.isSameFile(dir, dir.resolve("../" + dir.getFileName()))).isTrue();
        FileStore store = Files.getFileStore(h);
        assertThat(store.type()).isEqualTo("crfs");
        assertThat(store.getTotalSpace()).isGreaterThan(100L << 20);
        assertThat(store.getUsableSpace()).isPositive().isLessThanOrEqualTo(store.getTotalSpace());
        assertThat(store.supportsFileAttributeView(PosixFileAttributeView.class)).isTrue();
        assertThatThrownBy(() -> Files.getFileStore(dir.resolve("none"))).isInstanceOf(NoSuchFileException.class);
        assertThat(Set.copyOf(Files.readAttributes(h, "posix:permissions").keySet())).containsExactly("permissions");
    }

    @Test
    @SuppressWarnings("try")
    void testClosedFileSystem_refusesOperations() throws IOException {
        FileSystem other = FileSystems.newFileSystem(server.uri("/"), Map.of("name", "short-lived"));
        Path p = other.getPath(dir.toString(), "x");
        Files.writeString(p, "x");
        other.close();
        assertThat(other.isOpen()).isFalse();
        assertThatThrownBy(() -> Files.readString(p)).isInstanceOf(java.nio.file.ClosedFileSystemException.class);
        assertThat(Files.readString(dir.resolve("x"))).isEqualTo("x"); // flushed on close
    }
}
