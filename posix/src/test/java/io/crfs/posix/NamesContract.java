package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.DirEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contract part 1: lookup, create, mknod, mkdir, symlink, link, unlink, rmdir, readdir. */
public abstract class NamesContract extends ContractBase {

    @Test
    public void initRoot_secondCallKeepsRoot() {
        assertThat(fs.initRoot(0700, 5, 5)).isFalse();
        Attr r = fs.getattr(ROOT);
        assertThat(r.isDir()).isTrue();
        assertThat(r.nlink()).isEqualTo(1);
        assertThat(fs.lookup(ROOTC, ROOT, b("..")).ino()).isEqualTo(ROOT);
        assertThat(fs.lookup(ROOTC, ROOT, b(".")).ino()).isEqualTo(ROOT);
    }

    @Test
    public void getattr_missingInode_ENOENT() {
        assertErrno(Errno.ENOENT, () -> fs.getattr(999_999));
    }

    @Test
    public void create_setsAttributesAndParent() {
        long rootSize = fs.getattr(ROOT).size();
        tick();
        Attr a = fs.create(ALICE, fs.setattr(ROOTC, ROOT, SetAttr.mode(0777)).ino(), b("hello"), 0640, true);
        assertThat(a.isRegular()).isTrue();
        assertThat(a.mode()).isEqualTo(0100640);
        assertThat(a.nlink()).isEqualTo(1);
        assertThat(a.uid()).isEqualTo(1000);
        assertThat(a.gid()).isEqualTo(1000);
        assertThat(a.size()).isZero();
        assertThat(a.blocks()).isZero();
        assertThat(a.mtime()).isEqualTo(now());
        assertThat(a.ctime()).isEqualTo(now());
        assertThat(a.atime()).isEqualTo(now());
        assertThat(a.btime()).isEqualTo(now());
        Attr root = fs.getattr(ROOT);
        assertThat(root.size()).isEqualTo(rootSize + 10);
        assertThat(root.mtime()).isEqualTo(now());
        assertThat(root.nlink()).isEqualTo(1);
        assertThat(fs.lookup(ROOTC, ROOT, b("hello"))).isEqualTo(a);
    }

    @Test
    public void create_existing() {
        Attr a = file(ROOT, "f");
        assertErrno(Errno.EEXIST, () -> fs.create(ROOTC, ROOT, b("f"), 0644, true));
        assertThat(fs.create(ROOTC, ROOT, b("f"), 0600, false).ino()).isEqualTo(a.ino());
        assertThat(fs.getattr(a.ino()).mode()).isEqualTo(0100644);
        dir(ROOT, "d");
        assertErrno(Errno.EISDIR, () -> fs.create(ROOTC, ROOT, b("d"), 0644, false));
        assertErrno(Errno.EEXIST, () -> fs.create(ROOTC, ROOT, b("d"), 0644, true));
        assertErrno(Errno.EEXIST, () -> fs.create(ROOTC, ROOT, b("."), 0644, true));
        assertErrno(Errno.EISDIR, () -> fs.create(ROOTC, ROOT, b(".."), 0644, false));
    }

    @Test
    public void names_validated() {
        assertErrno(Errno.EINVAL, () -> file(ROOT, ""));
        assertErrno(Errno.EINVAL, () -> file(ROOT, "a/b"));
        assertErrno(Errno.EINVAL, () -> fs.create(ROOTC, ROOT, new byte[] {'a', 0}, 0644, true));
        String n255 = "x".repeat(255);
        file(ROOT, n255);
        assertThat(fs.lookup(ROOTC, ROOT, b(n255)).isRegular()).isTrue();
        assertErrno(Errno.ENAMETOOLONG, () -> file(ROOT, "x".repeat(256)));
        assertErrno(Errno.ENAMETOOLONG, () -> fs.lookup(ROOTC, ROOT, b("y".repeat(256))));
        assertErrno(Errno.ENAMETOOLONG, () -> dir(ROOT, "y".repeat(256)));
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 1, 2, '\n'};
        fs.create(ROOTC, ROOT, binary, 0644, true);
        assertThat(fs.lookup(ROOTC, ROOT, binary).isRegular()).isTrue();
    }

    @Test
    public void lookup_errors() {
        Attr f = file(ROOT, "f");
        assertErrno(Errno.ENOENT, () -> fs.lookup(ROOTC, ROOT, b("nope")));
        assertErrno(Errno.ENOTDIR, () -> fs.lookup(ROOTC, f.ino(), b("x")));
        assertErrno(Errno.ENOTDIR, () -> fs.create(ROOTC, f.ino(), b("x"), 0644, true));
        Attr d = dir(ROOT, "d");
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0700));
        file(d.ino(), "inner");
        assertErrno(Errno.EACCES, () -> fs.lookup(ALICE, d.ino(), b("inner")));
        assertThat(fs.lookup(ROOTC, d.ino(), b("..")).ino()).isEqualTo(ROOT);
    }

    /** find answers a missing name with null instead of ENOENT; everything else as lookup. */
    @Test
    public void find_isLookupWithNullForAMissingName() {
        Attr f = file(ROOT, "f");
        Attr d = dir(ROOT, "d");
        assertThat(fs.find(ROOTC, ROOT, b("nope"))).isNull();
        assertThat(fs.find(ROOTC, ROOT, b("f"))).isEqualTo(fs.lookup(ROOTC, ROOT, b("f")));
        assertThat(fs.find(ROOTC, d.ino(), b("..")).ino()).isEqualTo(ROOT);
        assertThat(fs.find(ROOTC, d.ino(), b(".")).ino()).isEqualTo(d.ino());
        assertErrno(Errno.ENOTDIR, () -> fs.find(ROOTC, f.ino(), b("x")));
        assertErrno(Errno.ENAMETOOLONG, () -> fs.find(ROOTC, ROOT, b("n".repeat(256))));
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0700));
        assertErrno(Errno.EACCES, () -> fs.find(ALICE, d.ino(), b("missing"))); // no search permission: not even "absent"
        fs.unlink(ROOTC, ROOT, b("f"));
        assertThat(fs.find(ROOTC, ROOT, b("f"))).isNull();
        fs.rmdir(ROOTC, ROOT, b("d"));
        assertErrno(Errno.ENOENT, () -> fs.find(ROOTC, d.ino(), b("x"))); // the directory itself is gone
    }

    @Test
    public void create_permissions() {
        Attr d = dir(ROOT, "d");
        assertErrno(Errno.EACCES, () -> fs.create(ALICE, d.ino(), b("x"), 0644, true));
        assertErrno(Errno.EACCES, () -> fs.mkdir(ALICE, d.ino(), b("x"), 0755));
        file(d.ino(), "exists");
        // EEXIST wins over the missing write permission, as in Linux.
        assertErrno(Errno.EEXIST, () -> fs.mkdir(ALICE, d.ino(), b("exists"), 0755));
        assertThat(fs.create(ALICE, d.ino(), b("exists"), 0644, false).isRegular()).isTrue();
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0733));
        fs.create(ALICE, d.ino(), b("mine"), 0600, true);
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0766));
        assertErrno(Errno.EACCES, () -> fs.create(ALICE, d.ino(), b("x"), 0644, true));
        // Group permission through a supplementary group.
        fs.setattr(ROOTC, d.ino(), new SetAttr(0070, null, 50, null, null, null, false, false, null));
        assertThat(fs.create(ALICE, d.ino(), b("viaGroup"), 0644, true).gid()).isEqualTo(1000);
        assertErrno(Errno.EACCES, () -> fs.create(BOB, d.ino(), b("x"), 0644, true));
    }

    @Test
    public void setgidDirectory_passesGroup() {
        Attr d = fs.mkdir(ROOTC, ROOT, b("shared"), 02777);
        fs.setattr(ROOTC, d.ino(), SetAttr.owner(null, 50));
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(02777));
        assertThat(fs.getattr(d.ino()).mode()).isEqualTo(042777);
        Attr f = fs.create(ALICE, d.ino(), b("f"), 0644, true);
        assertThat(f.gid()).isEqualTo(50);
        Attr sub = fs.mkdir(ALICE, d.ino(), b("sub"), 0755);
        assertThat(sub.gid()).isEqualTo(50);
        assertThat(sub.mode()).isEqualTo(042755);
        Attr g = fs.create(BOB, d.ino(), b("g"), 02755, true);
        assertThat(g.gid()).isEqualTo(50);
        assertThat(g.mode() & 02000).as("setgid stripped for a non-member").isZero();
        Attr h = fs.create(CAROL, d.ino(), b("h"), 02755, true);
        assertThat(h.mode()).isEqualTo(0102755);
    }

    @Test
    public void mkdir_basics() {
        long before = fs.getattr(ROOT).size();
        Attr d = fs.mkdir(ROOTC, ROOT, b("dir"), 04755);
        assertThat(d.mode()).isEqualTo(040755);
        assertThat(d.nlink()).isEqualTo(1);
        assertThat(d.size()).isZero();
        assertThat(fs.getattr(ROOT).nlink()).isEqualTo(1);
        assertThat(fs.getattr(ROOT).size()).isEqualTo(before + 6);
        Attr sub = dir(d.ino(), "sub");
        assertThat(fs.getattr(d.ino()).nlink()).isEqualTo(1);
        assertThat(fs.lookup(ROOTC, sub.ino(), b("..")).ino()).isEqualTo(d.ino());
        assertErrno(Errno.EEXIST, () -> dir(ROOT, "dir"));
        assertErrno(Errno.EEXIST, () -> dir(ROOT, "."));
        assertErrno(Errno.EEXIST, () -> dir(ROOT, ".."));
        assertThat(fs.mkdir(ROOTC, ROOT, b("sticky"), 01777).mode()).isEqualTo(041777);
    }

    @Test
    public void mknod_types() {
        long dev = (4 << 8) | 66; // makedev(4, 66)
        Attr c = fs.mknod(ROOTC, ROOT, b("tty"), 0020620, dev);
        assertThat(c.mode()).isEqualTo(0020620);
        assertThat(c.rdev()).isEqualTo(dev);
        long big = makedev(300, 70000);
        assertThat(fs.mknod(ROOTC, ROOT, b("blk"), 0060600, big).rdev()).isEqualTo(big);
        assertThat(fs.mknod(ROOTC, ROOT, b("fifo"), 0010644, 0).mode()).isEqualTo(0010644);
        assertThat(fs.mknod(ROOTC, ROOT, b("sock"), 0140755, 0).mode()).isEqualTo(0140755);
        assertThat(fs.mknod(ROOTC, ROOT, b("plain"), 0644, 0).mode()).isEqualTo(0100644);
        assertThat(fs.mknod(ROOTC, ROOT, b("reg"), 0100600, 0).isRegular()).isTrue();
        assertErrno(Errno.EPERM, () -> fs.mknod(ROOTC, ROOT, b("d"), 0040755, 0));
        assertErrno(Errno.EINVAL, () -> fs.mknod(ROOTC, ROOT, b("l"), 0120777, 0));
        Attr open = openDir(ROOT, "open");
        assertErrno(Errno.EPERM, () -> fs.mknod(ALICE, open.ino(), b("c"), 0020600, dev));
        assertThat(fs.mknod(ALICE, open.ino(), b("p"), 0010600, 0).uid()).isEqualTo(1000);
        assertErrno(Errno.EEXIST, () -> fs.mknod(ROOTC, ROOT, b("fifo"), 0010644, 0));
        List<Integer> types = new ArrayList<>();
        for (DirEntryInfo e : readdirAll(ROOTC, ROOT, 100)) {
            types.add(e.type());
        }
        assertThat(types).containsExactly(DirEntry.FT_DIR, DirEntry.FT_DIR, DirEntry.FT_CHRDEV, DirEntry.FT_BLKDEV,
                DirEntry.FT_FIFO, DirEntry.FT_SOCK, DirEntry.FT_REG, DirEntry.FT_REG, DirEntry.FT_DIR);
        commit();
        assertThat(fs.getattr(c.ino()).rdev()).isEqualTo(dev);
    }

    static long makedev(long major, long minor) {
        return ((major & 0xfff) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xff) | ((minor & ~0xffL) << 12);
    }

    @Test
    public void symlink_basics() {
        Attr l = fs.symlink(ALICE, fs.setattr(ROOTC, ROOT, SetAttr.mode(0777)).ino(), b("link"), b("small.txt"));
        assertThat(l.mode()).isEqualTo(0120777);
        assertThat(l.size()).isEqualTo(9);
        assertThat(l.uid()).isEqualTo(1000);
        assertThat(fs.readlink(l.ino())).isEqualTo(b("small.txt"));
        String longTarget = "t/".repeat(2047) + "x"; // 4095 bytes
        Attr l2 = fs.symlink(ROOTC, ROOT, b("long"), b(longTarget));
        assertThat(fs.readlink(l2.ino())).isEqualTo(b(longTarget));
        assertThat(l2.size()).isEqualTo(4095);
        assertErrno(Errno.ENAMETOOLONG, () -> fs.symlink(ROOTC, ROOT, b("toolong"), b(longTarget + "y")));
        assertErrno(Errno.ENOENT, () -> fs.symlink(ROOTC, ROOT, b("empty"), new byte[0]));
        assertErrno(Errno.EEXIST, () -> fs.symlink(ROOTC, ROOT, b("link"), b("x")));
        Attr f = file(ROOT, "f");
        assertErrno(Errno.EINVAL, () -> fs.readlink(f.ino()));
        assertErrno(Errno.EINVAL, () -> fs.read(l.ino(), 0, new byte[10], 0, 10));
        commit();
        assertThat(fs.readlink(l.ino())).isEqualTo(b("small.txt"));
    }

    @Test
    public void link_basics() {
        Attr f = file(ROOT, "f", b("data"));
        Attr d = dir(ROOT, "d");
        tick();
        Attr l = fs.link(ROOTC, f.ino(), d.ino(), b("hard"));
        assertThat(l.ino()).isEqualTo(f.ino());
        assertThat(l.nlink()).isEqualTo(2);
        assertThat(l.ctime()).isEqualTo(now());
        assertThat(fs.getattr(d.ino()).mtime()).isEqualTo(now());
        fs.link(ROOTC, f.ino(), ROOT, b("g2"));
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(3);
        assertThat(readAll(fs.lookup(ROOTC, d.ino(), b("hard")).ino())).isEqualTo(b("data"));
        assertErrno(Errno.EPERM, () -> fs.link(ROOTC, d.ino(), ROOT, b("dirlink")));
        assertErrno(Errno.EEXIST, () -> fs.link(ROOTC, f.ino(), ROOT, b("d")));
        assertErrno(Errno.EEXIST, () -> fs.link(ROOTC, f.ino(), ROOT, b(".")));
        assertErrno(Errno.ENOTDIR, () -> fs.link(ROOTC, f.ino(), f.ino(), b("x")));
        assertErrno(Errno.ENOENT, () -> fs.link(ROOTC, 987_654, ROOT, b("x")));
        assertErrno(Errno.EACCES, () -> fs.link(ALICE, f.ino(), d.ino(), b("x")));
        fs.unlink(ROOTC, ROOT, b("f"));
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(2);
        fs.unlink(ROOTC, d.ino(), b("hard"));
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(1);
        assertThat(readAll(f.ino())).isEqualTo(b("data"));
        fs.unlink(ROOTC, ROOT, b("g2"));
        assertErrno(Errno.ENOENT, () -> fs.getattr(f.ino()));
    }

    @Test
    public void link_manyLongNamesSpillIntoExtrefs() {
        Attr f = file(ROOT, "f", b("x"));
        Attr d = dir(ROOT, "d");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String n = String.format("%03d", i) + "n".repeat(202);
            names.add(n);
            fs.link(ROOTC, f.ino(), d.ino(), b(n));
        }
        commit();
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(101);
        assertThat(names(d.ino()).subList(2, 102)).containsExactlyElementsOf(names);
        for (String n : names) {
            assertThat(fs.lookup(ROOTC, d.ino(), b(n)).ino()).isEqualTo(f.ino());
        }
        // Rename one that lives in an extref, then unlink everything.
        fs.rename(ROOTC, d.ino(), b(names.get(99)), ROOT, b("moved"), 0);
        assertThat(fs.lookup(ROOTC, ROOT, b("moved")).ino()).isEqualTo(f.ino());
        for (int i = 0; i < 99; i++) {
            fs.unlink(ROOTC, d.ino(), b(names.get(i)));
        }
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(2);
        assertThat(fs.getattr(d.ino()).size()).isZero();
        fs.unlink(ROOTC, ROOT, b("moved"));
        fs.unlink(ROOTC, ROOT, b("f"));
        assertErrno(Errno.ENOENT, () -> fs.getattr(f.ino()));
    }

    @Test
    public void unlink_basics() {
        Attr f = file(ROOT, "f", bytes(10_000, 1));
        long rootSize = fs.getattr(ROOT).size();
        tick();
        fs.unlink(ROOTC, ROOT, b("f"));
        assertErrno(Errno.ENOENT, () -> fs.lookup(ROOTC, ROOT, b("f")));
        assertErrno(Errno.ENOENT, () -> fs.getattr(f.ino()));
        assertThat(fs.getattr(ROOT).size()).isEqualTo(rootSize - 2);
        assertThat(fs.getattr(ROOT).mtime()).isEqualTo(now());
        assertThat(names(ROOT)).containsExactly(".", "..");
        assertErrno(Errno.ENOENT, () -> fs.unlink(ROOTC, ROOT, b("f")));
        dir(ROOT, "d");
        assertErrno(Errno.EISDIR, () -> fs.unlink(ROOTC, ROOT, b("d")));
        assertErrno(Errno.EISDIR, () -> fs.unlink(ROOTC, ROOT, b(".")));
        file(ROOT, "g");
        assertErrno(Errno.EACCES, () -> fs.unlink(ALICE, ROOT, b("g")));
        assertErrno(Errno.ENOTDIR, () -> fs.unlink(ROOTC, ino(ROOT, "g"), b("x")));
    }

    @Test
    public void stickyDirectory_restrictsRemoval() {
        Attr tmp = fs.mkdir(ROOTC, ROOT, b("tmp"), 01777);
        fs.create(ALICE, tmp.ino(), b("alice"), 0666, true);
        fs.create(BOB, tmp.ino(), b("bob"), 0666, true);
        assertErrno(Errno.EPERM, () -> fs.unlink(BOB, tmp.ino(), b("alice")));
        assertErrno(Errno.EPERM, () -> fs.rename(BOB, tmp.ino(), b("alice"), tmp.ino(), b("x"), 0));
        assertErrno(Errno.EPERM, () -> fs.rename(BOB, tmp.ino(), b("bob"), tmp.ino(), b("alice"), 0));
        fs.unlink(ALICE, tmp.ino(), b("alice"));
        fs.setattr(ROOTC, ROOT, SetAttr.mode(0777));
        Attr own = fs.mkdir(ALICE, ROOT, b("own"), 01777);
        fs.create(BOB, own.ino(), b("bobs"), 0644, true);
        fs.unlink(ALICE, own.ino(), b("bobs")); // the directory's owner may
        fs.unlink(ROOTC, tmp.ino(), b("bob"));
    }

    @Test
    public void rmdir_basics() {
        Attr d = dir(ROOT, "d");
        file(d.ino(), "f");
        assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(ROOTC, ROOT, b("d")));
        assertErrno(Errno.ENOTDIR, () -> fs.rmdir(ROOTC, d.ino(), b("f")));
        assertErrno(Errno.EINVAL, () -> fs.rmdir(ROOTC, d.ino(), b(".")));
        assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(ROOTC, d.ino(), b("..")));
        assertErrno(Errno.ENOENT, () -> fs.rmdir(ROOTC, ROOT, b("nope")));
        fs.unlink(ROOTC, d.ino(), b("f"));
        assertThat(fs.getattr(d.ino()).size()).isZero();
        Attr d2 = openDir(ROOT, "open");
        dir(d2.ino(), "sub");
        assertErrno(Errno.EACCES, () -> fs.rmdir(ALICE, ROOT, b("d")));
        fs.rmdir(ALICE, d2.ino(), b("sub"));
        fs.rmdir(ROOTC, ROOT, b("d"));
        assertErrno(Errno.ENOENT, () -> fs.getattr(d.ino()));
        assertThat(names(ROOT)).containsExactly(".", "..", "open");
    }

    @Test
    public void removedOpenDirectory_refusesNewNames() {
        Attr d = dir(ROOT, "d");
        fs.open(d.ino());
        fs.rmdir(ROOTC, ROOT, b("d"));
        assertThat(fs.getattr(d.ino()).nlink()).isZero();
        assertErrno(Errno.ENOENT, () -> file(d.ino(), "x"));
        assertErrno(Errno.ENOENT, () -> dir(d.ino(), "x"));
        fs.release(d.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(d.ino()));
    }

    @Test
    public void readdir_orderAndCookies() {
        Attr d = dir(ROOT, "d");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String n = "e" + (i * 7919 % 1000);
            file(d.ino(), n);
            expected.add(n);
        }
        List<DirEntryInfo> all = readdirAll(ROOTC, d.ino(), 7);
        assertThat(all).hasSize(302);
        assertThat(str(all.get(0).name())).isEqualTo(".");
        assertThat(all.get(0).ino()).isEqualTo(d.ino());
        assertThat(str(all.get(1).name())).isEqualTo("..");
        assertThat(all.get(1).ino()).isEqualTo(ROOT);
        List<String> got = new ArrayList<>();
        for (DirEntryInfo e : all.subList(2, 302)) {
            got.add(str(e.name()));
            assertThat(e.type()).isEqualTo(DirEntry.FT_REG);
            assertThat(e.ino()).isEqualTo(ino(d.ino(), str(e.name())));
        }
        assertThat(got).containsExactlyElementsOf(expected);
        // Cookies are stable: resuming after an entry that was removed continues with the next.
        long cookie = all.get(100).cookie();
        fs.unlink(ROOTC, d.ino(), all.get(100).name());
        List<DirEntryInfo> rest = fs.readdir(ROOTC, d.ino(), cookie, 2);
        assertThat(rest).extracting(e -> str(e.name())).containsExactly(str(all.get(101).name()), str(all.get(102).name()));
        assertThat(fs.readdir(ROOTC, d.ino(), all.get(301).cookie(), 10)).isEmpty();
        assertThat(fs.readdir(ROOTC, d.ino(), 1, 1)).extracting(e -> str(e.name())).containsExactly("..");
        assertThat(fs.readdir(ROOTC, d.ino(), 0, 0)).isEmpty();
    }

    @Test
    public void readdir_errors() {
        Attr f = file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, () -> fs.readdir(ROOTC, f.ino(), 0, 10));
        Attr d = fs.mkdir(ROOTC, ROOT, b("d"), 0711);
        assertErrno(Errno.EACCES, () -> fs.readdir(ALICE, d.ino(), 0, 10));
        assertThat(fs.readdir(ROOTC, d.ino(), 0, 10)).hasSize(2);
    }

    @Test
    public void hashCollisions_dirItemsShareAnItem() {
        byte[][] names = collidingNames("c");
        Attr a = fs.create(ROOTC, ROOT, names[0], 0644, true);
        Attr b = fs.create(ROOTC, ROOT, names[1], 0644, true);
        assertThat(a.ino()).isNotEqualTo(b.ino());
        commit();
        assertThat(fs.lookup(ROOTC, ROOT, names[0]).ino()).isEqualTo(a.ino());
        assertThat(fs.lookup(ROOTC, ROOT, names[1]).ino()).isEqualTo(b.ino());
        assertErrno(Errno.EEXIST, () -> fs.create(ROOTC, ROOT, names[1], 0644, true));
        fs.rename(ROOTC, ROOT, names[0], ROOT, b("other"), 0);
        assertErrno(Errno.ENOENT, () -> fs.lookup(ROOTC, ROOT, names[0]));
        assertThat(fs.lookup(ROOTC, ROOT, names[1]).ino()).isEqualTo(b.ino());
        fs.unlink(ROOTC, ROOT, names[1]);
        assertThat(names(ROOT)).containsExactly(".", "..", "other");
        assertThat(Arrays.equals(names[0], names[1])).isFalse();
    }
}
