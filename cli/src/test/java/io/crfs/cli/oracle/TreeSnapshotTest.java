package io.crfs.cli.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TreeSnapshot notices each kind of difference it claims to (no root needed). */
class TreeSnapshotTest {
    @TempDir
    Path tmp;
    Path a, b;

    @BeforeEach
    void twoEqualTrees() throws IOException {
        assumeTrue(Sh.has("getfattr") && Sh.has("cp"), "getfattr (package attr) is missing; skipped");
        a = Files.createDirectory(tmp.resolve("a"));
        Files.createDirectories(a.resolve("d/e"));
        Files.writeString(a.resolve("d/file"), "content");
        Files.createLink(a.resolve("link"), a.resolve("d/file"));
        Files.createSymbolicLink(a.resolve("sym"), Path.of("d/file"));
        Files.setLastModifiedTime(a.resolve("d/file"), FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z")));
        b = tmp.resolve("b");
        Sh.run("cp", "-a", a.toString(), b.toString()).check();
    }

    @Test
    void equalTreesAreEqual() {
        TreeSnapshot sa = TreeSnapshot.of(a), sb = TreeSnapshot.of(b);
        sb.assertSameAs(sa);
        assertThat(sa.entries()).containsKeys(".", "d", "d/e", "d/file", "link", "sym");
        assertThat(sa.entries().get("d/file")).contains("mtime=1577934245123456789").contains("linkgroup=d/file");
        assertThat(sa.entries().get("sym")).contains("-> d/file");
    }

    @Test
    void contentDifferenceIsShown() throws IOException {
        Files.writeString(b.resolve("d/file"), "CONTENT");
        Files.setLastModifiedTime(b.resolve("d/file"), Files.getLastModifiedTime(a.resolve("d/file")));
        assertThatThrownBy(() -> TreeSnapshot.of(b).assertSameAs(TreeSnapshot.of(a)))
                .hasMessageContaining("- d/file:").hasMessageContaining("+ d/file:").hasMessageContaining("sha256=");
    }

    @Test
    void modeTimeLinkAndMissingDifferencesAreShown() throws IOException {
        Files.setPosixFilePermissions(b.resolve("d/e"), PosixFilePermissions.fromString("rwx------"));
        Files.setLastModifiedTime(b.resolve("sym").getParent().resolve("d"), FileTime.fromMillis(0));
        Files.delete(b.resolve("link"));
        Files.copy(b.resolve("d/file"), b.resolve("link"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(b.resolve("extra"), "x");
        String diff = TreeSnapshot.diff(TreeSnapshot.of(a), TreeSnapshot.of(b));
        assertThat(diff).contains("- d/e:").contains("+ d/e: dir mode=700").contains("+ extra:")
                .contains("- link:").contains("+ link:").contains("- d:");
    }

    @Test
    void xattrDifferenceIsShown() throws IOException {
        Sh.Result r = Sh.run("setfattr", "-n", "user.k", "-v", "v", b.resolve("d/file").toString());
        assumeTrue(r.ok(), "file system of the temp dir has no user xattrs: " + r.output());
        assertThat(TreeSnapshot.diff(TreeSnapshot.of(a), TreeSnapshot.of(b))).contains("xattrs={user.k=76}");
    }

    @Test
    void getfattrEscapesAreDecoded() {
        assertThat(TreeSnapshot.unescape("a\\012b\\\\c")).isEqualTo("a\nb\\c");
        assertThat(TreeSnapshot.unescape("\\346\\227\\245")).isEqualTo(new String(new byte[] {(byte) 0xe6, (byte) 0x97, (byte) 0xa5}, StandardCharsets.UTF_8));
    }
}
