package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Contract part 2: rename(2) and renameat2(2) flags. */
public abstract class RenameContract extends NamesContract {

    @Test
    public void rename_withinDirectory_getsNewIndex() {
        Attr a = file(ROOT, "a", b("A"));
        file(ROOT, "b");
        file(ROOT, "c");
        tick();
        fs.rename(ROOTC, ROOT, b("a"), ROOT, b("z"), 0);
        assertThat(names(ROOT)).containsExactly(".", "..", "b", "c", "z");
        assertThat(ino(ROOT, "z")).isEqualTo(a.ino());
        assertThat(readAll(a.ino())).isEqualTo(b("A"));
        Attr moved = fs.getattr(a.ino());
        assertThat(moved.ctime()).isEqualTo(now());
        assertThat(moved.mtime()).isNotEqualTo(now());
        assertThat(fs.getattr(ROOT).size()).isEqualTo(6);
        assertThat(fs.getattr(ROOT).mtime()).isEqualTo(now());
        fs.rename(ROOTC, ROOT, b("z"), ROOT, b("a"), 0);
        assertThat(names(ROOT)).containsExactly(".", "..", "b", "c", "a");
    }

    @Test
    public void rename_acrossDirectories() {
        Attr d1 = dir(ROOT, "d1");
        Attr d2 = dir(ROOT, "d2");
        Attr f = file(d1.ino(), "big.bin", bytes(100_000, 3));
        Attr sub = dir(d1.ino(), "sub");
        file(sub.ino(), "inner");
        tick();
        fs.rename(ROOTC, d1.ino(), b("big.bin"), d2.ino(), b("big2.bin"), 0);
        fs.rename(ROOTC, d1.ino(), b("sub"), d2.ino(), b("sub"), 0);
        commit();
        assertThat(names(d1.ino())).containsExactly(".", "..");
        assertThat(names(d2.ino())).containsExactly(".", "..", "big2.bin", "sub");
        assertThat(fs.getattr(d1.ino()).size()).isZero();
        assertThat(fs.getattr(d2.ino()).size()).isEqualTo(2 * (8 + 3));
        assertThat(readAll(f.ino())).isEqualTo(bytes(100_000, 3));
        assertThat(fs.lookup(ROOTC, sub.ino(), b("..")).ino()).isEqualTo(d2.ino());
        assertThat(fs.readdir(ROOTC, sub.ino(), 0, 5).get(1).ino()).isEqualTo(d2.ino());
        assertThat(fs.getattr(d1.ino()).mtime()).isEqualTo(now());
        assertThat(fs.getattr(d2.ino()).ctime()).isEqualTo(now());
        assertThat(fs.getattr(sub.ino()).nlink()).isEqualTo(1);
    }

    @Test
    public void rename_replacesFile() {
        Attr a = file(ROOT, "a", b("new"));
        Attr b = file(ROOT, "b", b("old"));
        fs.rename(ROOTC, ROOT, b("a"), ROOT, b("b"), 0);
        assertThat(names(ROOT)).containsExactly(".", "..", "b");
        assertThat(ino(ROOT, "b")).isEqualTo(a.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(b.ino()));
        assertThat(fs.getattr(ROOT).size()).isEqualTo(2);
        // A replaced file with another link keeps living with one link less.
        Attr c = file(ROOT, "c", b("c"));
        fs.link(ROOTC, c.ino(), ROOT, b("c2"));
        fs.rename(ROOTC, ROOT, b("b"), ROOT, b("c"), 0);
        assertThat(fs.getattr(c.ino()).nlink()).isEqualTo(1);
        assertThat(readAll(ino(ROOT, "c2"))).isEqualTo(b("c"));
    }

    @Test
    public void rename_replacingAnOpenFileOrphansIt() {
        file(ROOT, "a", b("new"));
        Attr b = file(ROOT, "b", b("old"));
        fs.open(b.ino());
        fs.rename(ROOTC, ROOT, b("a"), ROOT, b("b"), 0);
        assertThat(fs.getattr(b.ino()).nlink()).isZero();
        assertThat(readAll(b.ino())).isEqualTo(b("old"));
        fs.release(b.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(b.ino()));
    }

    @Test
    public void rename_directoryRules() {
        Attr a = dir(ROOT, "a");
        Attr empty = dir(ROOT, "empty");
        Attr full = dir(ROOT, "full");
        file(full.ino(), "x");
        file(ROOT, "f");
        assertErrno(Errno.ENOTEMPTY, () -> fs.rename(ROOTC, ROOT, b("a"), ROOT, b("full"), 0));
        assertErrno(Errno.ENOTDIR, () -> fs.rename(ROOTC, ROOT, b("a"), ROOT, b("f"), 0));
        assertErrno(Errno.EISDIR, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b("a"), 0));
        fs.rename(ROOTC, ROOT, b("a"), ROOT, b("empty"), 0);
        assertThat(ino(ROOT, "empty")).isEqualTo(a.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(empty.ino()));
        assertThat(names(ROOT)).containsExactly(".", "..", "full", "f", "empty");
    }

    @Test
    public void rename_intoOwnSubtree_EINVAL() {
        Attr a = dir(ROOT, "a");
        Attr b = dir(a.ino(), "b");
        Attr c = dir(b.ino(), "c");
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, ROOT, b("a"), c.ino(), b("a"), 0));
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, ROOT, b("a"), a.ino(), b("x"), 0));
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, a.ino(), b("b"), b.ino(), b("x"), 0));
        // The target an ancestor of the source: ENOTEMPTY (EINVAL with RENAME_EXCHANGE).
        Attr x = dir(c.ino(), "x");
        assertErrno(Errno.ENOTEMPTY, () -> fs.rename(ROOTC, c.ino(), b("x"), ROOT, b("a"), 0));
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, c.ino(), b("x"), ROOT, b("a"), PosixFs.RENAME_EXCHANGE));
        assertThat(fs.lookup(ROOTC, c.ino(), b("..")).ino()).isEqualTo(b.ino());
        assertThat(ino(c.ino(), "x")).isEqualTo(x.ino());
    }

    @Test
    public void rename_sameInode_isNoOp() {
        Attr f = file(ROOT, "f");
        fs.link(ROOTC, f.ino(), ROOT, b("g"));
        fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"), 0);
        assertThat(names(ROOT)).containsExactly(".", "..", "f", "g");
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(2);
        fs.rename(ROOTC, ROOT, b("f"), ROOT, b("f"), 0);
        fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"), PosixFs.RENAME_EXCHANGE);
        assertThat(names(ROOT)).containsExactly(".", "..", "f", "g");
        Attr d = dir(ROOT, "d");
        fs.rename(ROOTC, ROOT, b("d"), ROOT, b("d"), 0);
        assertThat(fs.getattr(d.ino()).nlink()).isEqualTo(1);
    }

    @Test
    public void rename_errors() {
        Attr f = file(ROOT, "f");
        file(ROOT, "g");
        assertErrno(Errno.ENOENT, () -> fs.rename(ROOTC, ROOT, b("nope"), ROOT, b("x"), 0));
        assertErrno(Errno.EBUSY, () -> fs.rename(ROOTC, ROOT, b("."), ROOT, b("x"), 0));
        assertErrno(Errno.EBUSY, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b(".."), 0));
        assertErrno(Errno.EEXIST, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b(".."), PosixFs.RENAME_NOREPLACE));
        assertErrno(Errno.ENOTDIR, () -> fs.rename(ROOTC, f.ino(), b("x"), ROOT, b("y"), 0));
        assertErrno(Errno.ENOTDIR, () -> fs.rename(ROOTC, ROOT, b("f"), f.ino(), b("y"), 0));
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"), 64));
        assertErrno(Errno.EINVAL, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"),
                PosixFs.RENAME_EXCHANGE | PosixFs.RENAME_NOREPLACE));
        assertErrno(Errno.EACCES, () -> fs.rename(ALICE, ROOT, b("f"), ROOT, b("h"), 0));
        assertErrno(Errno.ENAMETOOLONG, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b("n".repeat(256)), 0));
        assertThat(names(ROOT)).containsExactly(".", "..", "f", "g");
    }

    @Test
    public void rename_noReplace() {
        Attr f = file(ROOT, "f");
        file(ROOT, "g");
        assertErrno(Errno.EEXIST, () -> fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"), PosixFs.RENAME_NOREPLACE));
        fs.rename(ROOTC, ROOT, b("f"), ROOT, b("h"), PosixFs.RENAME_NOREPLACE);
        assertThat(ino(ROOT, "h")).isEqualTo(f.ino());
    }

    @Test
    public void rename_exchange() {
        Attr d1 = dir(ROOT, "d1");
        Attr d2 = dir(ROOT, "d2");
        Attr f = file(d1.ino(), "f", b("file"));
        Attr sub = dir(d2.ino(), "sub");
        file(sub.ino(), "inside");
        tick();
        fs.rename(ROOTC, d1.ino(), b("f"), d2.ino(), b("sub"), PosixFs.RENAME_EXCHANGE);
        commit();
        assertThat(ino(d1.ino(), "f")).isEqualTo(sub.ino());
        assertThat(ino(d2.ino(), "sub")).isEqualTo(f.ino());
        assertThat(fs.lookup(ROOTC, sub.ino(), b("..")).ino()).isEqualTo(d1.ino());
        assertThat(fs.getattr(d1.ino()).size()).isEqualTo(2);
        assertThat(fs.getattr(d2.ino()).size()).isEqualTo(6);
        assertThat(fs.getattr(f.ino()).ctime()).isEqualTo(now());
        assertThat(fs.getattr(sub.ino()).ctime()).isEqualTo(now());
        assertThat(names(sub.ino())).containsExactly(".", "..", "inside");
        assertThat(fs.readdir(ROOTC, d1.ino(), 0, 10).get(2).type()).isEqualTo(io.crfs.format.DirEntry.FT_DIR);
        assertErrno(Errno.ENOENT, () -> fs.rename(ROOTC, d1.ino(), b("f"), d2.ino(), b("none"), PosixFs.RENAME_EXCHANGE));
        // Within one directory.
        file(ROOT, "x", b("X"));
        file(ROOT, "y", b("Y"));
        fs.rename(ROOTC, ROOT, b("x"), ROOT, b("y"), PosixFs.RENAME_EXCHANGE);
        assertThat(readAll(ino(ROOT, "x"))).isEqualTo(b("Y"));
        assertThat(readAll(ino(ROOT, "y"))).isEqualTo(b("X"));
    }

    @Test
    public void rename_movingDirectoryNeedsWriteOnIt() {
        Attr p1 = openDir(ROOT, "p1");
        Attr p2 = openDir(ROOT, "p2");
        Attr d = dir(p1.ino(), "d"); // owned by root, 0755
        assertErrno(Errno.EACCES, () -> fs.rename(ALICE, p1.ino(), b("d"), p2.ino(), b("d"), 0));
        fs.rename(ALICE, p1.ino(), b("d"), p1.ino(), b("e"), 0); // same parent: no ".." change
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0777));
        fs.rename(ALICE, p1.ino(), b("e"), p2.ino(), b("d"), 0);
        assertThat(fs.lookup(ROOTC, d.ino(), b("..")).ino()).isEqualTo(p2.ino());
    }

    @Test
    public void rename_whiteout() {
        Attr f = file(ROOT, "f");
        fs.rename(ROOTC, ROOT, b("f"), ROOT, b("g"), PosixFs.RENAME_WHITEOUT);
        Attr w = fs.lookup(ROOTC, ROOT, b("f"));
        assertThat(w.mode()).isEqualTo(0020000);
        assertThat(w.rdev()).isZero();
        assertThat(ino(ROOT, "g")).isEqualTo(f.ino());
        Attr open = openDir(ROOT, "o");
        fs.create(ALICE, open.ino(), b("a"), 0644, true);
        assertErrno(Errno.EPERM, () -> fs.rename(ALICE, open.ino(), b("a"), open.ino(), b("b"), PosixFs.RENAME_WHITEOUT));
    }
}
