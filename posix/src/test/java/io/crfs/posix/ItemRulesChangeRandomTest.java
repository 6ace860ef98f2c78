package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.DirEntry;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The check of a change ({@link ItemRules#checkChange}, which looks at a directory's touched
 * names only) against the whole check ({@link ItemRules#check} on every inode), on seeded random
 * changes to a valid tree: valid operations must pass both, and a random corruption must be
 * refused by the change's check exactly when the whole check finds it. The seed is printed;
 * rerun one with {@code -Dcrfs.seed=N}.
 */
class ItemRulesChangeRandomTest {
    private static final Caller C = Caller.ROOT;
    private static final int ROUNDS = 1500;

    @Test
    void theChangesCheckAgreesWithTheWholeCheck() {
        long seed = Long.getLong("crfs.seed", new Random().nextLong());
        System.out.println("ItemRulesChangeRandomTest seed " + seed);
        Random rnd = new Random(seed);
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            MemoryItemStore store = new MemoryItemStore();
            PosixFs fs = new PosixFs(store);
            fs.initRoot(0755, 0, 0);
            List<Long> dirs = tree(fs, rnd);
            MemoryItemStore before = ItemRulesTest.copy(store);
            assertThat(whole(store)).as("seed %d round %d: the tree is valid", seed, round).isEmpty();
            String what;
            if (rnd.nextInt(4) == 0) {
                what = validOps(fs, dirs, rnd);
            } else {
                what = corrupt(store, rnd);
            }
            List<String> all = whole(store);
            List<String> change = ItemRules.checkChange(before, store, ItemRulesTest.changed(before, store));
            assertThat(change.isEmpty()).as("seed %d round %d, %s: whole check %s, change's check %s", seed, round,
                    what, all, change).isEqualTo(all.isEmpty());
            refused += all.isEmpty() ? 0 : 1;
        }
        assertThat(refused).as("seed %d: corruptions found", seed).isGreaterThan(ROUNDS / 3);
    }

    private static List<String> whole(MemoryItemStore store) {
        TreeSet<Long> inos = new TreeSet<>();
        for (Item i : store.allItems()) {
            inos.add(i.key().objectid() == ObjectIds.ORPHAN ? i.key().offset() : i.key().objectid());
        }
        inos.removeIf(id -> !ObjectIds.isInode(id));
        for (long i = PosixFs.ROOT; i < PosixFs.ROOT + 400; i++) {
            inos.add(i); // deleted inodes too
        }
        return ItemRules.check(store, inos);
    }

    private static byte[] name(Random rnd) {
        int len = rnd.nextInt(8) == 0 ? 150 + rnd.nextInt(100) : 1 + rnd.nextInt(6);
        byte[] n = new byte[len];
        for (int i = 0; i < len; i++) {
            n[i] = (byte) ('a' + rnd.nextInt(4)); // few letters: names repeat across directories
        }
        return n;
    }

    /** A few directories with files, hard links (long names spill into extrefs) and symlinks. */
    private static List<Long> tree(PosixFs fs, Random rnd) {
        List<Long> dirs = new ArrayList<>(List.of(PosixFs.ROOT));
        List<Long> files = new ArrayList<>();
        int n = 10 + rnd.nextInt(40);
        for (int i = 0; i < n; i++) {
            long d = dirs.get(rnd.nextInt(dirs.size()));
            try {
                switch (rnd.nextInt(6)) {
                    case 0 -> dirs.add(fs.mkdir(C, d, name(rnd), 0755).ino());
                    case 1 -> fs.symlink(C, d, name(rnd), "t".getBytes(StandardCharsets.UTF_8));
                    case 2 -> {
                        if (!files.isEmpty()) {
                            fs.link(C, files.get(rnd.nextInt(files.size())), d, name(rnd));
                        }
                    }
                    default -> files.add(fs.create(C, d, name(rnd), 0644, true).ino());
                }
            } catch (PosixException e) {
                // EEXIST and the like: the tree stays valid
            }
        }
        return dirs;
    }

    private static String validOps(PosixFs fs, List<Long> dirs, Random rnd) {
        StringBuilder what = new StringBuilder("valid ops:");
        for (int i = 0; i < 1 + rnd.nextInt(3); i++) {
            long d = dirs.get(rnd.nextInt(dirs.size()));
            long e = dirs.get(rnd.nextInt(dirs.size()));
            byte[] a = name(rnd);
            byte[] b = name(rnd);
            int op = rnd.nextInt(5);
            what.append(' ').append(op);
            try {
                switch (op) {
                    case 0 -> fs.create(C, d, a, 0644, true);
                    case 1 -> fs.unlink(C, d, a);
                    case 2 -> fs.rename(C, d, a, e, b, 0);
                    case 3 -> fs.mkdir(C, d, a, 0700);
                    default -> fs.setxattr(C, d, "user.x".getBytes(StandardCharsets.UTF_8), a, 0);
                }
            } catch (PosixException x) {
                what.append('!');
            }
        }
        return what.toString();
    }

    /** One random damage to one item; returns what it did. */
    private static String corrupt(MemoryItemStore store, Random rnd) {
        List<Item> items = new ArrayList<>();
        for (Item i : store.allItems()) {
            if (ObjectIds.isInode(i.key().objectid()) && i.key().type() != ItemType.EXTENT_DATA) {
                items.add(i);
            }
        }
        Item it = items.get(rnd.nextInt(items.size()));
        Key k = it.key();
        byte[] v = it.value();
        String what = "damage to " + k + ": ";
        switch (k.type()) {
            case ItemType.INODE_ITEM -> {
                InodeItem in = new InodeItem(v.clone());
                switch (rnd.nextInt(4)) {
                    case 0 -> { in.nlink(in.nlink() + (rnd.nextBoolean() ? 1 : -1)); what += "nlink"; }
                    case 1 -> { in.size(in.size() + 2); what += "size"; }
                    case 2 -> { in.mode((in.mode() & 07777) | (rnd.nextBoolean() ? 0100000 : 0120000)); what += "mode"; }
                    default -> {
                        for (Item x : store.scan(Key.first(k.objectid()), Key.last(k.objectid()), Integer.MAX_VALUE)) {
                            store.delete(x.key());
                        }
                        return what + "inode deleted whole";
                    }
                }
                store.put(k, in.bytes());
                return what;
            }
            case ItemType.DIR_INDEX, ItemType.DIR_ITEM -> {
                List<DirEntry> es = new ArrayList<>(DirEntry.decodeAll(v));
                int at = rnd.nextInt(es.size());
                DirEntry e = es.get(at);
                switch (rnd.nextInt(6)) {
                    case 0 -> { store.delete(k); return what + "deleted"; }
                    case 1 -> es.set(at, new DirEntry(new Key(e.location().objectid() + 1, ItemType.INODE_ITEM, 0),
                            e.transid(), e.type(), e.name(), null));
                    case 2 -> es.set(at, new DirEntry(e.location(), e.transid(), 1 + rnd.nextInt(7), e.name(), null));
                    case 3 -> es.set(at, new DirEntry(e.location(), e.transid(), e.type(), name(rnd), null));
                    case 4 -> {
                        if (k.type() == ItemType.DIR_INDEX) {
                            store.put(new Key(k.objectid(), k.type(), k.offset() + 1000 + rnd.nextInt(9)), v);
                            if (rnd.nextBoolean()) {
                                store.delete(k);
                            }
                            return what + "copied or moved to another index";
                        }
                        es.add(e);
                    }
                    default -> {
                        if (es.size() == 1) {
                            store.delete(k);
                            return what + "deleted";
                        }
                        es.remove(at);
                    }
                }
                store.put(k, encode(es));
                return what + "entry changed";
            }
            case ItemType.INODE_REF -> {
                List<InodeRef> rs = new ArrayList<>(InodeRef.decodeAll(v));
                int at = rnd.nextInt(rs.size());
                switch (rnd.nextInt(3)) {
                    case 0 -> rs.set(at, new InodeRef(rs.get(at).index() + 1, rs.get(at).name()));
                    case 1 -> rs.set(at, new InodeRef(rs.get(at).index(), name(rnd)));
                    default -> { store.delete(k); return what + "deleted"; }
                }
                store.put(k, InodeRef.encodeAll(rs));
                return what + "ref changed";
            }
            default -> {
                store.delete(k);
                return what + "deleted";
            }
        }
    }

    private static byte[] encode(List<DirEntry> es) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (DirEntry e : es) {
            out.writeBytes(e.encode());
        }
        return out.toByteArray();
    }
}
