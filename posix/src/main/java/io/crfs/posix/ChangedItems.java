package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.FormatException;
import io.crfs.format.InodeExtref;
import io.crfs.format.InodeRef;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A change to the items, as {@link ItemRules#checkChange} sees it: the store before, the store
 * after, and the keys whose items differ. From them it derives which inodes the rules must look
 * at (every inode a changed key belongs to, and every inode a changed entry or back reference
 * pointed at, before or after) and, per directory, the names of the changed back references that
 * point into it.
 */
final class ChangedItems {
    final ItemStore before;
    final ItemStore after;
    private final NavigableSet<Key> keys;
    private final TreeSet<Long> inodes = new TreeSet<>(Long::compareUnsigned);
    private final Map<Long, Set<ByteBuffer>> refNames = new HashMap<>();

    ChangedItems(ItemStore before, ItemStore after, NavigableSet<Key> keys) {
        this.before = before;
        this.after = after;
        this.keys = keys;
        for (Key k : keys) {
            if (k.objectid() == ObjectIds.ORPHAN && k.type() == ItemType.ORPHAN_ITEM) {
                inodes.add(k.offset());
            } else {
                inodes.add(k.objectid());
            }
            if (k.type() == ItemType.EXTENT_DATA) {
                continue; // the server's file extents (a dropped file's, by the thousand): no rule reads them
            }
            note(k, before.get(k));
            note(k, after.get(k));
        }
        inodes.removeIf(id -> !ObjectIds.isInode(id));
    }

    /** The inodes to check, in inode order. */
    Set<Long> inodes() {
        return inodes;
    }

    /** The changed keys of a directory's entries (DIR_ITEM up to DIR_INDEX). */
    NavigableSet<Key> entryKeys(long dir) {
        return keys.subSet(new Key(dir, ItemType.DIR_ITEM, 0), true, new Key(dir, ItemType.DIR_INDEX, -1L), true);
    }

    /** Names of changed back references (before or after) whose parent is {@code dir}. */
    Set<ByteBuffer> refNames(long dir) {
        return refNames.getOrDefault(dir, Set.of());
    }

    /** The inodes an item points at: entry targets, and parents of back references. */
    private void note(Key k, byte[] v) {
        if (v == null || v.length == 0) {
            return;
        }
        try {
            switch (k.type()) {
                case ItemType.DIR_ITEM, ItemType.DIR_INDEX -> {
                    for (DirEntry d : DirEntry.decodeAll(v)) {
                        inodes.add(d.location().objectid());
                    }
                }
                case ItemType.INODE_REF -> {
                    for (InodeRef r : InodeRef.decodeAll(v)) {
                        refName(k.offset(), r.name());
                    }
                    inodes.add(k.offset());
                }
                case ItemType.INODE_EXTREF -> {
                    for (InodeExtref r : InodeExtref.decodeAll(v)) {
                        refName(r.parent(), r.name());
                        inodes.add(r.parent());
                    }
                }
                default -> { }
            }
        } catch (FormatException e) {
            // a new value that does not parse is reported by the rules; an old one was the volume's
            if (k.type() == ItemType.INODE_REF) {
                inodes.add(k.offset());
            }
        }
    }

    private void refName(long parent, byte[] name) {
        refNames.computeIfAbsent(parent, p -> new HashSet<>()).add(ByteBuffer.wrap(name));
    }
}
