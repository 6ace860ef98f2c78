package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The POSIX contract: every PosixFs operation and its error codes, over whatever ItemStore
 * {@link #newStore()} returns. Subclass it in three lines per store (see MemoryPosixTest); override
 * {@link #commit}, {@link #reopen} and {@link #close} for stores that have transactions and files.
 * The parts live in the superclasses (NamesContract, RenameContract, DataContract, AttrContract,
 * AclContract);
 * this class adds orphans, persistence across reopen, and the item shapes the kernel writes.
 */
public abstract class PosixContract extends AclContract {

    @Test
    public void orphan_unlinkedWhileOpenLivesUntilRelease() {
        Attr f = file(ROOT, "f", bytes(10_000, 1));
        fs.open(f.ino());
        fs.open(f.ino());
        fs.unlink(ROOTC, ROOT, b("f"));
        assertThat(fs.getattr(f.ino()).nlink()).isZero();
        assertThat(store.get(new Key(ObjectIds.ORPHAN, ItemType.ORPHAN_ITEM, f.ino()))).isEmpty();
        assertThat(names(ROOT)).containsExactly(".", "..");
        assertThat(readAll(f.ino())).isEqualTo(bytes(10_000, 1));
        fs.write(ROOTC, f.ino(), 0, b("still writable"), 0, 14);
        assertErrno(Errno.ENOENT, () -> fs.link(ROOTC, f.ino(), ROOT, b("back")));
        fs.release(f.ino());
        assertThat(fs.getattr(f.ino()).nlink()).isZero();
        fs.release(f.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(f.ino()));
        assertThat(store.get(new Key(ObjectIds.ORPHAN, ItemType.ORPHAN_ITEM, f.ino()))).isNull();
        assertThat(store.scan(Key.first(f.ino()), Key.last(f.ino()), 10)).isEmpty();
        assertErrno(Errno.EBADF, () -> fs.release(f.ino()));
    }

    /** O_TMPFILE: a file with no name, deleted at its last release unless linkat(2) names it first. */
    @Test
    public void orphan_tmpfileGoesAtReleaseUnlessItGetsAName() {
        Key orphans = Key.first(ObjectIds.ORPHAN);
        Attr t = fs.tmpfile(ROOTC, ROOT, 0600);
        assertThat(t.nlink()).isZero();
        assertThat(t.mode()).isEqualTo(0100600);
        assertThat(names(ROOT)).containsExactly(".", "..");
        fs.write(ROOTC, t.ino(), 0, bytes(9000, 3), 0, 9000);
        assertThat(readAll(t.ino())).isEqualTo(bytes(9000, 3));
        assertThat(store.get(new Key(ObjectIds.ORPHAN, ItemType.ORPHAN_ITEM, t.ino()))).isEmpty();
        assertThat(ItemRules.check(store, List.of(t.ino()))).isEmpty();
        fs.release(t.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(t.ino()));
        assertThat(store.scan(Key.first(t.ino()), Key.last(t.ino()), 10)).isEmpty();
        assertThat(store.scan(orphans, Key.last(ObjectIds.ORPHAN), 10)).isEmpty();

        Attr u = fs.tmpfile(ROOTC, ROOT, 0640);
        fs.write(ROOTC, u.ino(), 0, b("kept"), 0, 4);
        assertThat(fs.link(ROOTC, u.ino(), ROOT, b("named")).nlink()).isEqualTo(1);
        assertThat(store.scan(orphans, Key.last(ObjectIds.ORPHAN), 10)).isEmpty();
        assertThat(ItemRules.check(store, List.of(u.ino(), ROOT))).isEmpty();
        fs.release(u.ino());
        assertThat(fs.lookup(ROOTC, ROOT, b("named")).ino()).isEqualTo(u.ino());
        assertThat(readAll(u.ino())).isEqualTo(b("kept"));
        // named once, then unlinked while still open: like any file, it gets no second name
        Attr v = fs.tmpfile(ROOTC, ROOT, 0600);
        fs.link(ROOTC, v.ino(), ROOT, b("v"));
        fs.unlink(ROOTC, ROOT, b("v"));
        assertErrno(Errno.ENOENT, () -> fs.link(ROOTC, v.ino(), ROOT, b("again")));
        fs.release(v.ino());
        assertErrno(Errno.ENOENT, () -> fs.getattr(v.ino()));

        // where the caller may not create, or there is no live directory, as for open(O_CREAT)
        Attr d = dir(ROOT, "d");
        fs.setattr(ROOTC, d.ino(), SetAttr.mode(0755));
        assertErrno(Errno.EACCES, () -> fs.tmpfile(ALICE, d.ino(), 0600));
        assertErrno(Errno.ENOTDIR, () -> fs.tmpfile(ROOTC, u.ino(), 0600));
        fs.rmdir(ROOTC, ROOT, b("d"));
        assertErrno(Errno.ENOENT, () -> fs.tmpfile(ROOTC, d.ino(), 0600));
    }

    @Test
    public void orphan_openAndReleaseOfLinkedFileKeepsIt() {
        Attr f = file(ROOT, "f", b("x"));
        fs.open(f.ino());
        fs.release(f.ino());
        assertThat(readAll(f.ino())).isEqualTo(b("x"));
        assertErrno(Errno.ENOENT, () -> fs.open(123_456));
    }

    @Test
    public void orphan_recoveredAfterCrash() {
        Attr f = file(ROOT, "f", bytes(50_000, 2));
        Attr g = file(ROOT, "g", b("keep"));
        fs.setxattr(ROOTC, f.ino(), b("user.x"), b("y"), 0);
        fs.open(f.ino());
        fs.unlink(ROOTC, ROOT, b("f"));
        reopenFs(); // a crash: the handle is never released
        assertThat(fs.getattr(f.ino()).nlink()).isZero();
        assertThat(fs.recoverOrphans()).isEqualTo(1);
        assertErrno(Errno.ENOENT, () -> fs.getattr(f.ino()));
        assertThat(store.scan(Key.first(f.ino()), Key.last(f.ino()), 10)).isEmpty();
        assertThat(store.scan(new Key(ObjectIds.ORPHAN, 0, 0), Key.last(ObjectIds.ORPHAN), 10)).isEmpty();
        assertThat(fs.recoverOrphans()).isZero();
        assertThat(readAll(g.ino())).isEqualTo(b("keep"));
    }

    @Test
    public void persistence_acrossReopen() {
        Attr d = dir(ROOT, "d");
        Attr f = file(d.ino(), "f", bytes(70_000, 3));
        fs.link(ROOTC, f.ino(), ROOT, b("hard"));
        fs.symlink(ROOTC, ROOT, b("l"), b("d/f"));
        fs.setxattr(ROOTC, f.ino(), b("user.k"), b("v"), 0);
        reopenFs();
        assertThat(fs.recoverOrphans()).isZero();
        assertThat(names(ROOT)).containsExactly(".", "..", "d", "hard", "l");
        assertThat(readAll(ino(d.ino(), "f"))).isEqualTo(bytes(70_000, 3));
        assertThat(fs.getattr(f.ino()).nlink()).isEqualTo(2);
        assertThat(fs.readlink(ino(ROOT, "l"))).isEqualTo(b("d/f"));
        assertThat(fs.getxattr(ROOTC, f.ino(), b("user.k"))).isEqualTo(b("v"));
        // New names after a reopen get fresh inode numbers and indexes.
        Attr g = file(ROOT, "g");
        assertThat(g.ino()).isGreaterThan(f.ino());
        assertThat(names(ROOT)).containsExactly(".", "..", "d", "hard", "l", "g");
    }

    @Test
    public void items_createFileAsTheKernelDoes() {
        long transid = store.transid();
        Attr f = file(ROOT, "hello.txt", b("hello world\n"));
        long ino = f.ino();
        InodeItem it = new InodeItem(store.get(new Key(ino, ItemType.INODE_ITEM, 0)));
        assertThat(it.generation()).isEqualTo(transid);
        assertThat(it.transid()).isEqualTo(transid);
        assertThat(it.size()).isEqualTo(12);
        assertThat(it.nbytes()).isEqualTo(12);
        assertThat(it.nlink()).isEqualTo(1);
        assertThat(it.mode()).isEqualTo(0100644);
        List<InodeRef> refs = InodeRef.decodeAll(store.get(new Key(ino, ItemType.INODE_REF, ROOT)));
        assertThat(refs).containsExactly(new InodeRef(2, b("hello.txt")));
        List<DirEntry> di = DirEntry.decodeAll(store.get(new Key(ROOT, ItemType.DIR_ITEM, Hashes.nameHash(b("hello.txt")))));
        DirEntry expected = new DirEntry(new Key(ino, ItemType.INODE_ITEM, 0), transid, DirEntry.FT_REG, b("hello.txt"), null);
        assertThat(di).containsExactly(expected);
        assertThat(DirEntry.decodeAll(store.get(new Key(ROOT, ItemType.DIR_INDEX, 2)))).containsExactly(expected);
        assertThat(new InodeItem(store.get(new Key(ROOT, ItemType.INODE_ITEM, 0))).size()).isEqualTo(18);
        // Root keeps its (256, INODE_REF, 256) ".." record.
        assertThat(InodeRef.decodeAll(store.get(new Key(ROOT, ItemType.INODE_REF, ROOT))))
                .containsExactly(new InodeRef(0, b("..")));
    }

    @Test
    public void items_linksRenamesAndXattrs() {
        Attr f = file(ROOT, "f");
        commit();
        long t2 = store.transid();
        long seq = new InodeItem(store.get(new Key(f.ino(), ItemType.INODE_ITEM, 0))).sequence();
        fs.link(ROOTC, f.ino(), ROOT, b("h"));
        fs.link(ROOTC, f.ino(), ROOT, b("g2"));
        InodeItem it = new InodeItem(store.get(new Key(f.ino(), ItemType.INODE_ITEM, 0)));
        assertThat(it.transid()).isEqualTo(t2);
        assertThat(it.generation()).isLessThanOrEqualTo(t2);
        assertThat(it.sequence()).isGreaterThan(seq);
        assertThat(InodeRef.decodeAll(store.get(new Key(f.ino(), ItemType.INODE_REF, ROOT))))
                .containsExactly(new InodeRef(2, b("f")), new InodeRef(3, b("h")), new InodeRef(4, b("g2")));
        fs.rename(ROOTC, ROOT, b("h"), ROOT, b("h2"), 0);
        assertThat(store.get(new Key(ROOT, ItemType.DIR_INDEX, 3))).isNull();
        assertThat(DirEntry.decodeAll(store.get(new Key(ROOT, ItemType.DIR_INDEX, 5))).get(0).name()).isEqualTo(b("h2"));
        assertThat(InodeRef.decodeAll(store.get(new Key(f.ino(), ItemType.INODE_REF, ROOT))))
                .containsExactly(new InodeRef(2, b("f")), new InodeRef(4, b("g2")), new InodeRef(5, b("h2")));
        fs.setxattr(ROOTC, f.ino(), b("user.foo"), b("bar"), 0);
        byte[] x = store.get(new Key(f.ino(), ItemType.XATTR_ITEM, Hashes.nameHash(b("user.foo"))));
        assertThat(x).hasSize(41);
        assertThat(DirEntry.decodeAll(x)).containsExactly(
                new DirEntry(new Key(0, 0, 0), t2, DirEntry.FT_XATTR, b("user.foo"), b("bar")));
        Attr c = fs.mknod(ROOTC, ROOT, b("c"), 0020644, (4 << 8) | 66);
        assertThat(new InodeItem(store.get(new Key(c.ino(), ItemType.INODE_ITEM, 0))).rdev()).isEqualTo(0x400042);
        Attr d = dir(ROOT, "d");
        List<Item> dirItems = store.scan(Key.first(d.ino()), Key.last(d.ino()), 10);
        assertThat(dirItems).extracting(i -> i.key().type()).containsExactly(ItemType.INODE_ITEM, ItemType.INODE_REF);
    }

    @Test
    public void items_indexesNeverReused() {
        file(ROOT, "a");
        file(ROOT, "b");
        fs.unlink(ROOTC, ROOT, b("b"));
        file(ROOT, "c");
        assertThat(store.get(new Key(ROOT, ItemType.DIR_INDEX, 3))).isNull();
        assertThat(store.get(new Key(ROOT, ItemType.DIR_INDEX, 4))).isNotNull();
    }
}
