package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.FormatException;
import io.crfs.format.Hashes;
import io.crfs.format.InodeExtref;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The cross-item rules the server checks on a batch before applying it (design.md "Server";
 * btrfs-format.md 7.2 to 7.5 and 9.10: what {@code btrfs check} recomputes). The server passes a
 * view of the committed items overlaid with the batch and the inodes the batch touched; every
 * violation found comes back as one line "inode N: rule: expected X, got Y".
 *
 * <p>Per inode with an INODE_ITEM: the item is 160 bytes with a valid file type; a directory has
 * nlink 1 and size 2 x the sum of its DIR_INDEX name lengths; DIR_INDEX and DIR_ITEM entries
 * match one to one (name, location, type; DIR_ITEM collisions scanned by name); each entry's
 * child exists, has the entry's file type and a back reference (INODE_REF or INODE_EXTREF with the
 * same parent, index and name); a non-directory's nlink counts its back references (0 only with an
 * ORPHAN_ITEM); every back reference has its DIR_INDEX and DIR_ITEM; every item parses as its type
 * and hashed key offsets are the name hashes. An inode without INODE_ITEM must have no items at
 * all (deleting an inode deletes it whole). EXTENT_DATA is not checked: only the server writes it.
 *
 * <p>Design decisions:
 * <ul>
 *   <li>Parsing reuses the {@code io.crfs.format} codecs; a {@link FormatException} becomes a
 *       violation and stops only the checks that need that item.</li>
 *   <li>Rules are checked from both sides of each link (directory to child and child to
 *       directory), so checking the set of touched inodes finds a broken link whichever side the
 *       batch changed. The root's {@code (256, INODE_REF, 256) ".."} record (mkfs) is accepted.</li>
 *   <li>Duplicate names in one directory are reported although btrfs check misses them (9.10).</li>
 * </ul>
 */
public final class ItemRules {
    private ItemRules() {}

    /** Violations among the given inodes, in inode order; empty when the batch may be applied. */
    public static List<String> check(ItemStore view, Collection<Long> inodes) {
        TreeSet<Long> order = new TreeSet<>(Long::compareUnsigned);
        order.addAll(inodes);
        List<String> out = new ArrayList<>();
        for (long ino : order) {
            checkInode(view, ino, out, null);
        }
        return out;
    }

    /**
     * The rules after a change, on every inode it touched or pointed at (before or after):
     * {@code after} is {@code before} with the items under {@code changed} replaced or deleted.
     * {@code before} is taken to hold the rules (it is the committed volume, made by mkfs, by
     * crfs or by the kernel), so a directory that was one before is checked on the names the
     * change touched only ({@link DirectoryDelta}): a batch costs what it changes, not what its
     * directories hold. Same violations as {@link #check} on those inodes, for a valid before.
     */
    public static List<String> checkChange(ItemStore before, ItemStore after, NavigableSet<Key> changed) {
        ChangedItems change = new ChangedItems(before, after, changed);
        List<String> out = new ArrayList<>();
        for (long ino : change.inodes()) {
            checkInode(after, ino, out, change);
        }
        return out;
    }

    private static void checkInode(ItemStore view, long ino, List<String> out, ChangedItems change) {
        String who = "inode " + Long.toUnsignedString(ino) + ": ";
        byte[] raw = view.get(new Key(ino, ItemType.INODE_ITEM, 0));
        if (raw == null) {
            List<Item> left = view.scan(Key.first(ino), Key.last(ino), 1); // file extents count here too
            if (!left.isEmpty()) {
                out.add(who + "deleted whole: expected no items without an INODE_ITEM, got some, first " + left.get(0).key());
            }
            if (view.get(Orphans.key(ino)) != null) {
                out.add(who + "orphan: expected no ORPHAN_ITEM for a deleted inode, got one");
            }
            return;
        }
        if (raw.length != InodeItem.SIZE) {
            out.add(who + "bad item: INODE_ITEM expected " + InodeItem.SIZE + " bytes, got " + raw.length);
            return;
        }
        InodeItem inode = new InodeItem(raw);
        int ft = DirEntry.typeOfMode(inode.mode());
        if (ft == DirEntry.FT_UNKNOWN) {
            out.add(who + "file type: expected a valid S_IFMT in mode, got 0" + Integer.toOctalString(inode.mode()));
            return;
        }
        DirectoryDelta delta = change == null || ft != DirEntry.FT_DIR ? null : DirectoryDelta.of(change, ino);
        InodeLinks links = new InodeLinks(view, ino, inode, ft == DirEntry.FT_DIR, who, out, delta);
        // the items the rules are about end with DIR_INDEX; a file's extents (the server's) are not read
        // (a directory checked by delta: its entries only where the change put them)
        Key end = new Key(ino, delta == null ? ItemType.DIR_INDEX : ItemType.DIR_ITEM - 1, -1L);
        for (Item item : view.scan(Key.first(ino), end, Integer.MAX_VALUE)) {
            parseItem(item, links, who, out);
        }
        if (delta != null) {
            for (Key k : change.entryKeys(ino)) {
                byte[] v = view.get(k);
                if (v != null) {
                    parseItem(new Item(k, v), links, who, out);
                }
            }
        }
        links.check();
    }

    /** Parses one item of the inode as its type, checking names and hashed offsets; feeds links. */
    private static void parseItem(Item item, InodeLinks links, String who, List<String> out) {
        Key k = item.key();
        try {
            switch (k.type()) {
                case ItemType.INODE_ITEM -> {
                    if (k.offset() != 0) {
                        out.add(who + "bad item: INODE_ITEM key offset expected 0, got " + k);
                    }
                }
                case ItemType.INODE_REF -> {
                    for (InodeRef r : InodeRef.decodeAll(item.value())) {
                        checkName(who, k, r.name(), out);
                        links.addName(k.offset(), r.index(), r.name(), k);
                    }
                }
                case ItemType.INODE_EXTREF -> {
                    for (InodeExtref r : InodeExtref.decodeAll(item.value())) {
                        checkName(who, k, r.name(), out);
                        long hash = Hashes.extrefHash(r.parent(), r.name());
                        if (hash != k.offset()) {
                            out.add(who + "name hash: " + k + " expected offset " + hash + " for parent "
                                    + Long.toUnsignedString(r.parent()) + " name " + show(r.name()));
                        }
                        links.addName(r.parent(), r.index(), r.name(), k);
                    }
                }
                case ItemType.XATTR_ITEM -> {
                    for (DirEntry e : DirEntry.decodeAll(item.value())) {
                        checkHashed(who, k, e, out);
                        if (e.type() != DirEntry.FT_XATTR) {
                            out.add(who + "bad item: " + k + " entry " + show(e.name()) + " type expected "
                                    + DirEntry.FT_XATTR + " (xattr), got " + e.type());
                        }
                    }
                }
                case ItemType.DIR_ITEM -> {
                    List<DirEntry> entries = DirEntry.decodeAll(item.value());
                    if (entries.isEmpty()) {
                        out.add(who + "bad item: " + k + " expected at least one entry, got none");
                    }
                    for (DirEntry e : entries) {
                        checkHashed(who, k, e, out);
                        checkEntry(who, k, e, out);
                    }
                    links.addDirItem(k.offset(), entries);
                }
                case ItemType.DIR_INDEX -> {
                    List<DirEntry> entries = DirEntry.decodeAll(item.value());
                    if (entries.size() != 1) {
                        out.add(who + "bad item: " + k + " expected exactly one entry, got " + entries.size());
                        return;
                    }
                    DirEntry e = entries.get(0);
                    checkName(who, k, e.name(), out);
                    checkEntry(who, k, e, out);
                    if (Long.compareUnsigned(k.offset(), 2) < 0) {
                        out.add(who + "bad item: " + k + " index expected >= 2 (0 and 1 are . and ..), got " + k.offset());
                    }
                    links.addIndex(k.offset(), e);
                }
                case ItemType.EXTENT_DATA -> {
                    // Out of scope: the server writes file extents itself.
                }
                default -> out.add(who + "unknown item type: " + k + " is not an item a client may write");
            }
        } catch (FormatException e) {
            out.add(who + "bad item: " + k + " does not parse as " + ItemType.name(k.type()) + ": " + e.getMessage());
        }
    }

    private static void checkName(String who, Key k, byte[] name, List<String> out) {
        if (name.length == 0 || name.length > DirEntry.MAX_NAME) {
            out.add(who + "name length: " + k + " expected 1.." + DirEntry.MAX_NAME + " bytes, got " + name.length);
        }
    }

    private static void checkHashed(String who, Key k, DirEntry e, List<String> out) {
        checkName(who, k, e.name(), out);
        long hash = Hashes.nameHash(e.name());
        if (hash != k.offset()) {
            out.add(who + "name hash: " + k + " expected offset " + hash + " for name " + show(e.name()));
        }
    }

    /** A directory entry (not xattr) has no data, a file type 1..7 and an INODE_ITEM or ROOT_ITEM location. */
    private static void checkEntry(String who, Key k, DirEntry e, List<String> out) {
        if (e.data().length != 0) {
            out.add(who + "bad item: " + k + " entry " + show(e.name()) + " data_len expected 0, got " + e.data().length);
        }
        if (e.type() < DirEntry.FT_REG || e.type() > DirEntry.FT_SYMLINK) {
            out.add(who + "bad item: " + k + " entry " + show(e.name()) + " type expected 1..7, got " + e.type());
        }
        int lt = e.location().type();
        if (lt != ItemType.INODE_ITEM && lt != ItemType.ROOT_ITEM) {
            out.add(who + "bad item: " + k + " entry " + show(e.name()) + " location expected an INODE_ITEM key, got "
                    + e.location());
        }
    }

    /** A name for messages: quoted UTF-8 (malformed bytes show as U+FFFD). */
    static String show(byte[] name) {
        return "\"" + new String(name, StandardCharsets.UTF_8) + "\"";
    }
}
