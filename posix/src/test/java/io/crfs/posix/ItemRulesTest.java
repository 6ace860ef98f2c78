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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Valid trees made by PosixFs pass; each single corrupt item is reported naming the inode and the
 * rule, both by the whole check and by the check of the change since the valid tree.
 */
class ItemRulesTest {
    private static final long ROOT = PosixFs.ROOT;
    private final Caller c = Caller.ROOT;
    private MemoryItemStore store;
    private PosixFs fs;
    private long dir;
    private long file;
    private long link;
    /** The valid tree, before each test changes it. */
    private MemoryItemStore before;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void tree() {
        store = new MemoryItemStore();
        fs = new PosixFs(store);
        fs.initRoot(0755, 0, 0);
        dir = fs.mkdir(c, ROOT, b("d"), 0755).ino();
        file = fs.create(c, dir, b("f"), 0644, true).ino();
        fs.write(c, file, 0, b("hello"), 0, 5);
        fs.link(c, file, ROOT, b("hard"));
        fs.link(c, file, dir, b("hard2"));
        fs.setxattr(c, file, b("user.a"), b("1"), 0);
        fs.setxattr(c, dir, b("user.b"), b("2"), 0);
        link = fs.symlink(c, dir, b("sym"), b("../hard")).ino();
        fs.mknod(c, ROOT, b("fifo"), 0010644, 0);
        long gone = fs.create(c, ROOT, b("gone"), 0644, true).ino();
        fs.rename(c, ROOT, b("gone"), dir, b("moved"), 0);
        fs.unlink(c, dir, b("moved"));
        fs.mkdir(c, dir, b("sub"), 0700);
        fs.rename(c, dir, b("sub"), ROOT, b("sub2"), 0);
        fs.rename(c, ROOT, b("sub2"), dir, b("sym"), PosixFs.RENAME_EXCHANGE);
        assertThat(gone).isGreaterThan(file);
        before = copy(store);
    }

    static MemoryItemStore copy(MemoryItemStore s) {
        MemoryItemStore c = new MemoryItemStore();
        for (Item i : s.allItems()) {
            c.put(i.key(), i.value());
        }
        return c;
    }

    /** The keys whose items differ between two stores. */
    static TreeSet<Key> changed(MemoryItemStore a, MemoryItemStore b) {
        TreeSet<Key> keys = new TreeSet<>();
        for (Item i : a.allItems()) {
            if (!Arrays.equals(i.value(), b.get(i.key()))) {
                keys.add(i.key());
            }
        }
        for (Item i : b.allItems()) {
            if (a.get(i.key()) == null) {
                keys.add(i.key());
            }
        }
        return keys;
    }

    private List<String> changeViolations() {
        return ItemRules.checkChange(before, store, changed(before, store));
    }

    /** Every inode present plus any objectid the tests deleted (all in the fs tree's id range). */
    private List<String> violations() {
        TreeSet<Long> inos = new TreeSet<>();
        for (Item i : store.allItems()) {
            if (ObjectIds.isInode(i.key().objectid())) {
                inos.add(i.key().objectid());
            }
        }
        for (long i = ROOT; i < ROOT + 20; i++) {
            inos.add(i);
        }
        return ItemRules.check(store, inos);
    }

    private void assertReported(long ino, String rule) {
        assertThat(violations()).anySatisfy(v -> assertThat(v).startsWith("inode " + ino + ": " + rule));
        assertThat(changeViolations()).as("the change's check").anySatisfy(v -> assertThat(v).startsWith("inode " + ino + ": " + rule));
    }

    private void assertValid() {
        assertThat(violations()).isEmpty();
        assertThat(changeViolations()).as("the change's check").isEmpty();
    }

    private InodeItem inode(long ino) {
        return new InodeItem(store.get(new Key(ino, ItemType.INODE_ITEM, 0)));
    }

    private void save(long ino, InodeItem it) {
        store.put(new Key(ino, ItemType.INODE_ITEM, 0), it.bytes());
    }

    private Key indexKey(long d, String name) {
        for (Item i : store.scan(new Key(d, ItemType.DIR_INDEX, 0), new Key(d, ItemType.DIR_INDEX, -1L), 1000)) {
            if (Arrays.equals(DirEntry.decodeAll(i.value()).get(0).name(), b(name))) {
                return i.key();
            }
        }
        throw new AssertionError("no entry " + name);
    }

    @Test
    void validTree_hasNoViolations() {
        assertValid();
        assertThat(ItemRules.check(store, List.of())).isEmpty();
        MemoryItemStore empty = new MemoryItemStore();
        new PosixFs(empty).initRoot(0755, 0, 0);
        assertThat(ItemRules.checkChange(empty, store, changed(empty, store))).isEmpty();
    }

    @Test
    void orphanOfAnOpenUnlinkedFile_isValid_untilTheOrphanItemGoes() {
        fs.open(file);
        fs.unlink(c, dir, b("f"));
        fs.unlink(c, ROOT, b("hard"));
        fs.unlink(c, dir, b("hard2"));
        assertThat(inode(file).nlink()).isZero();
        assertValid();
        store.delete(Orphans.key(file));
        assertReported(file, "orphan");
        fs.release(file);
        assertValid();
    }

    @Test
    void manyLinks_spillIntoExtrefs_andStayValid() {
        String base = "x".repeat(200);
        for (int i = 0; i < 90; i++) {
            fs.link(c, file, dir, b(base + i));
        }
        assertThat(store.scan(new Key(file, ItemType.INODE_EXTREF, 0), new Key(file, ItemType.INODE_EXTREF, -1L), 10)).isNotEmpty();
        assertValid();
        Item ext = store.scan(new Key(file, ItemType.INODE_EXTREF, 0), new Key(file, ItemType.INODE_EXTREF, -1L), 1).get(0);
        store.delete(ext.key());
        store.put(new Key(file, ItemType.INODE_EXTREF, ext.key().offset() + 1), ext.value());
        assertReported(file, "name hash");
        assertReported(dir, "missing back ref");
    }

    @Test
    void hashCollisions_shareOneDirItem() {
        byte[][] pair = collidingNames();
        fs.create(c, dir, pair[0], 0644, true);
        long second = fs.create(c, dir, pair[1], 0644, true).ino();
        Key k = new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(pair[0]));
        assertThat(DirEntry.decodeAll(store.get(k))).hasSize(2);
        assertValid();
        store.put(k, DirEntry.decodeAll(store.get(k)).get(0).encode());
        assertReported(dir, "dir index without dir item");
        assertReported(second, "ref without dir entry");
    }

    private static byte[][] collidingNames() {
        Random rnd = new Random(1);
        Map<Long, byte[]> seen = new HashMap<>();
        while (true) {
            byte[] n = new byte[10];
            for (int i = 0; i < n.length; i++) {
                n[i] = (byte) ('a' + rnd.nextInt(26));
            }
            byte[] old = seen.putIfAbsent(Hashes.nameHash(n), n);
            if (old != null && !Arrays.equals(old, n)) {
                return new byte[][] {old, n};
            }
        }
    }

    @Test
    void wrongDirSize() {
        save(dir, inode(dir).size(inode(dir).size() + 2));
        assertReported(dir, "dir size");
    }

    @Test
    void dirNlinkTwo() {
        save(dir, inode(dir).nlink(2));
        assertReported(dir, "dir nlink");
    }

    @Test
    void danglingDirIndex() {
        store.put(new Key(dir, ItemType.DIR_INDEX, 99), new DirEntry(new Key(4242, ItemType.INODE_ITEM, 0), 7,
                DirEntry.FT_REG, b("ghost"), null).encode());
        save(dir, inode(dir).size(inode(dir).size() + 10));
        assertReported(dir, "dir index without dir item");
        assertReported(dir, "dangling entry");
    }

    @Test
    void dirItemWithoutIndex() {
        store.delete(indexKey(dir, "f"));
        save(dir, inode(dir).size(inode(dir).size() - 2));
        assertReported(dir, "dir item without dir index");
        assertReported(file, "ref without dir entry");
    }

    @Test
    void indexMismatch() {
        Key refKey = new Key(file, ItemType.INODE_REF, dir);
        List<InodeRef> refs = new ArrayList<>(InodeRef.decodeAll(store.get(refKey)));
        refs.set(0, new InodeRef(refs.get(0).index() + 100, refs.get(0).name()));
        store.put(refKey, InodeRef.encodeAll(refs));
        assertReported(dir, "index mismatch");
        assertReported(file, "ref without dir entry");
    }

    @Test
    void typeMismatch() {
        Key ik = indexKey(dir, "f");
        DirEntry e = DirEntry.decodeAll(store.get(ik)).get(0);
        DirEntry asDir = new DirEntry(e.location(), e.transid(), DirEntry.FT_DIR, e.name(), null);
        store.put(ik, asDir.encode());
        store.put(new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(b("f"))), asDir.encode());
        assertReported(dir, "filetype mismatch");
        assertThat(violations()).noneMatch(v -> v.contains("dir entry mismatch"));
        store.put(ik, e.encode());
        assertReported(dir, "dir entry mismatch");
    }

    @Test
    void nlinkOffByOne() {
        save(file, inode(file).nlink(inode(file).nlink() + 1));
        assertReported(file, "nlink");
        save(file, inode(file).nlink(2));
        assertReported(file, "nlink: expected 3");
    }

    @Test
    void badHashKeys() {
        Key xk = new Key(file, ItemType.XATTR_ITEM, Hashes.nameHash(b("user.a")));
        byte[] x = store.get(xk);
        store.delete(xk);
        store.put(new Key(file, ItemType.XATTR_ITEM, 5), x);
        assertReported(file, "name hash");
        Key dk = new Key(ROOT, ItemType.DIR_ITEM, Hashes.nameHash(b("fifo")));
        byte[] d = store.get(dk);
        store.delete(dk);
        store.put(new Key(ROOT, ItemType.DIR_ITEM, 6), d);
        assertReported(ROOT, "name hash");
        assertReported(ROOT, "dir index without dir item");
    }

    @Test
    void truncatedPayloads() {
        Key refKey = new Key(link, ItemType.INODE_REF, ROOT);
        byte[] ref = store.get(refKey);
        assertThat(ref).isNotNull();
        store.put(refKey, Arrays.copyOf(ref, ref.length - 1));
        assertReported(link, "bad item");
        Key dk = new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(b("f")));
        byte[] whole = store.get(dk);
        store.put(dk, Arrays.copyOf(whole, 20));
        assertReported(dir, "bad item: " + dk + " does not parse as DIR_ITEM");
        store.put(dk, whole); // each damage on its own, so each report is the one of its step
        Key xk = new Key(dir, ItemType.XATTR_ITEM, Hashes.nameHash(b("user.b")));
        store.put(xk, Arrays.copyOf(store.get(xk), 31));
        assertReported(dir, "bad item: " + xk + " does not parse as XATTR_ITEM");
        store.put(new Key(file, ItemType.INODE_ITEM, 0), Arrays.copyOf(store.get(new Key(file, ItemType.INODE_ITEM, 0)), 100));
        assertReported(file, "bad item: INODE_ITEM expected 160 bytes, got 100");
    }

    @Test
    void orphanlessNlinkZero() {
        long lone = fs.create(c, ROOT, b("lone"), 0644, true).ino();
        store.delete(new Key(lone, ItemType.INODE_REF, ROOT));
        store.delete(new Key(ROOT, ItemType.DIR_ITEM, Hashes.nameHash(b("lone"))));
        store.delete(indexKey(ROOT, "lone"));
        save(ROOT, inode(ROOT).size(inode(ROOT).size() - 8));
        save(lone, inode(lone).nlink(0));
        assertThat(violations()).containsExactly("inode " + lone + ": orphan: nlink 0 expected an ORPHAN_ITEM "
                + Orphans.key(lone) + ", got none");
        assertThat(changeViolations()).containsExactly("inode " + lone + ": orphan: nlink 0 expected an ORPHAN_ITEM "
                + Orphans.key(lone) + ", got none");
    }

    @Test
    void leftoverItemsOfADeletedInode() {
        store.delete(new Key(link, ItemType.INODE_ITEM, 0));
        assertReported(link, "deleted whole");
        // the change's check does not visit the directory (the change points nowhere), but it is refused all the same
        assertThat(violations()).anySatisfy(v -> assertThat(v).startsWith("inode " + ROOT + ": dangling entry"));
    }

    @Test
    void unknownTypeAndBadMode() {
        store.put(new Key(file, 50, 0), new byte[4]);
        assertReported(file, "unknown item type");
        save(link, inode(link).mode(0644));
        assertReported(link, "file type");
    }

    @Test
    void duplicateNameAndEntriesInAFile() {
        Key ik = indexKey(dir, "f");
        store.put(new Key(dir, ItemType.DIR_INDEX, 500), store.get(ik));
        assertReported(dir, "duplicate name");
        store.put(new Key(file, ItemType.DIR_INDEX, 2), store.get(ik));
        assertReported(file, "dir entries");
    }

    @Test
    void directoryWithTwoNames() {
        long sub = fs.mkdir(c, ROOT, b("s"), 0755).ino();
        store.put(new Key(sub, ItemType.INODE_REF, dir),
                InodeRef.encodeAll(List.of(new InodeRef(77, b("s2")))));
        assertReported(sub, "dir name count");
        assertReported(sub, "ref without dir entry");
    }
}
