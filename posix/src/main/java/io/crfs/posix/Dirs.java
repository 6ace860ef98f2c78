package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeExtref;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names in directories, kept exactly as the kernel writes them (btrfs-format.md 7.3 to 7.5, 8.2):
 * per name one DIR_ITEM entry (collisions appended), one DIR_INDEX, and one INODE_REF record in
 * the child (appended per directory; INODE_EXTREF once the INODE_REF item is full). The directory
 * item's size is 2 x the sum of its names; callers save the directory item.
 */
final class Dirs {
    /** BTRFS_MAX_ITEM_SIZE for 16 KiB nodes: leaf data 16283 minus a 25-byte item header. */
    static final int MAX_ITEM_SIZE = 16258;
    /** An INODE_REF item never grows past this; further names go to INODE_EXTREF (margin kept). */
    static final int INODE_REF_LIMIT = MAX_ITEM_SIZE - 128;
    /** The first DIR_INDEX number of every directory; 0 and 1 stand for "." and "..". */
    static final long FIRST_INDEX = 2;

    private final ItemStore store;
    /** Highest index handed out per directory in this session, so an index is never reused. */
    private final Map<Long, Long> lastIndex = new HashMap<>();
    /** Indexes handed out by the running attempt; they count only once the operation completes (see PosixFs.op). */
    private final Map<Long, Long> attemptIndex = new HashMap<>();

    /** A new attempt of an operation starts: forget what a discarded attempt handed out. */
    void beginAttempt() {
        attemptIndex.clear();
    }

    /** The operation completed: its indexes are given for good. */
    void endOperation() {
        attemptIndex.forEach((dir, idx) -> lastIndex.merge(dir, idx, Math::max));
        attemptIndex.clear();
    }

    Dirs(ItemStore store) {
        this.store = store;
    }

    /** The entry for name in dir, or null. */
    DirEntry find(long dir, byte[] name) {
        byte[] b = store.get(new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(name)));
        if (b == null) {
            return null;
        }
        for (DirEntry e : DirEntry.decodeAll(b)) {
            if (Arrays.equals(e.name(), name)) {
                return e;
            }
        }
        return null;
    }

    /** Largest DIR_INDEX in the directory + 1 (at least 2), never below an index already given. */
    long nextIndex(long dir) {
        List<Item> last = store.scanBackward(new Key(dir, ItemType.DIR_INDEX, 0),
                new Key(dir, ItemType.DIR_INDEX, -1L), 1);
        long next = last.isEmpty() ? FIRST_INDEX : Math.max(FIRST_INDEX, last.get(0).key().offset() + 1);
        Long given = lastIndex.get(dir);
        if (given != null && given >= next) {
            next = given + 1;
        }
        Long inAttempt = attemptIndex.get(dir);
        if (inAttempt != null && inAttempt >= next) {
            next = inAttempt + 1;
        }
        attemptIndex.put(dir, next);
        return next;
    }

    /** Adds name -> child: DIR_ITEM, DIR_INDEX, INODE_REF/EXTREF; grows dirItem's size (not saved). */
    void add(long dir, InodeItem dirItem, byte[] name, long child, int childMode) {
        long transid = store.transid();
        long index = nextIndex(dir);
        DirEntry entry = new DirEntry(new Key(child, ItemType.INODE_ITEM, 0), transid, DirEntry.typeOfMode(childMode),
                name, null);
        Key itemKey = new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(name));
        byte[] old = store.get(itemKey);
        List<DirEntry> entries = old == null ? new ArrayList<>() : new ArrayList<>(DirEntry.decodeAll(old));
        entries.add(entry);
        store.put(itemKey, DirEntry.encodeAll(entries));
        store.put(new Key(dir, ItemType.DIR_INDEX, index), entry.encode());
        addRef(child, dir, name, index);
        dirItem.size(dirItem.size() + 2L * name.length);
    }

    /** Removes name (which points at child) from dir; shrinks dirItem's size (not saved). */
    void remove(long dir, InodeItem dirItem, byte[] name, long child) {
        Key itemKey = new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(name));
        byte[] old = store.get(itemKey);
        if (old != null) {
            List<DirEntry> entries = new ArrayList<>(DirEntry.decodeAll(old));
            entries.removeIf(e -> Arrays.equals(e.name(), name));
            if (entries.isEmpty()) {
                store.delete(itemKey);
            } else {
                store.put(itemKey, DirEntry.encodeAll(entries));
            }
        }
        long index = removeRef(child, dir, name);
        if (index >= 0) {
            store.delete(new Key(dir, ItemType.DIR_INDEX, index));
        }
        dirItem.size(Math.max(0, dirItem.size() - 2L * name.length));
    }

    private void addRef(long child, long dir, byte[] name, long index) {
        Key refKey = new Key(child, ItemType.INODE_REF, dir);
        byte[] old = store.get(refKey);
        InodeRef ref = new InodeRef(index, name);
        if (old == null || old.length + ref.encodedSize() <= INODE_REF_LIMIT) {
            List<InodeRef> refs = old == null ? new ArrayList<>() : new ArrayList<>(InodeRef.decodeAll(old));
            refs.add(ref);
            store.put(refKey, InodeRef.encodeAll(refs));
            return;
        }
        Key extKey = new Key(child, ItemType.INODE_EXTREF, Hashes.extrefHash(dir, name));
        byte[] oldExt = store.get(extKey);
        List<InodeExtref> ext = oldExt == null ? new ArrayList<>() : new ArrayList<>(InodeExtref.decodeAll(oldExt));
        InodeExtref rec = new InodeExtref(dir, index, name);
        if (oldExt != null && oldExt.length + rec.encodedSize() > MAX_ITEM_SIZE) {
            throw new PosixException(Errno.EMLINK, "INODE_EXTREF item of inode " + Long.toUnsignedString(child) + " is full");
        }
        ext.add(rec);
        store.put(extKey, InodeExtref.encodeAll(ext));
    }

    /** Removes the child's back reference for (dir, name); returns its index, or -1 if none. */
    private long removeRef(long child, long dir, byte[] name) {
        Key refKey = new Key(child, ItemType.INODE_REF, dir);
        byte[] old = store.get(refKey);
        if (old != null) {
            List<InodeRef> refs = new ArrayList<>(InodeRef.decodeAll(old));
            for (int i = 0; i < refs.size(); i++) {
                if (Arrays.equals(refs.get(i).name(), name)) {
                    long index = refs.remove(i).index();
                    if (refs.isEmpty()) {
                        store.delete(refKey);
                    } else {
                        store.put(refKey, InodeRef.encodeAll(refs));
                    }
                    return index;
                }
            }
        }
        Key extKey = new Key(child, ItemType.INODE_EXTREF, Hashes.extrefHash(dir, name));
        byte[] oldExt = store.get(extKey);
        if (oldExt != null) {
            List<InodeExtref> ext = new ArrayList<>(InodeExtref.decodeAll(oldExt));
            for (int i = 0; i < ext.size(); i++) {
                if (ext.get(i).parent() == dir && Arrays.equals(ext.get(i).name(), name)) {
                    long index = ext.remove(i).index();
                    if (ext.isEmpty()) {
                        store.delete(extKey);
                    } else {
                        store.put(extKey, InodeExtref.encodeAll(ext));
                    }
                    return index;
                }
            }
        }
        return -1;
    }

    /** The parent of a directory, from its one back reference; the root is its own parent. */
    long parentOf(long dir) {
        List<Item> refs = store.scan(new Key(dir, ItemType.INODE_REF, 0), new Key(dir, ItemType.INODE_REF, -1L), 1);
        if (!refs.isEmpty()) {
            return refs.get(0).key().offset();
        }
        List<Item> ext = store.scan(new Key(dir, ItemType.INODE_EXTREF, 0), new Key(dir, ItemType.INODE_EXTREF, -1L), 1);
        if (!ext.isEmpty()) {
            return InodeExtref.decodeAll(ext.get(0).value()).get(0).parent();
        }
        return dir;
    }

    /** True if ancestor is dir itself or one of its parents (walking INODE_REFs up to the root). */
    boolean isAncestorOrSelf(long ancestor, long dir) {
        long d = dir;
        for (int depth = 0; depth < 100_000; depth++) {
            if (d == ancestor) {
                return true;
            }
            long p = parentOf(d);
            if (p == d) {
                return false;
            }
            d = p;
        }
        throw new PosixException(Errno.EIO, "directory parent chain from " + Long.toUnsignedString(dir) + " loops");
    }

    boolean isEmpty(long dir) {
        return store.scan(new Key(dir, ItemType.DIR_INDEX, 0), new Key(dir, ItemType.DIR_INDEX, -1L), 1).isEmpty()
                && store.scan(new Key(dir, ItemType.DIR_ITEM, 0), new Key(dir, ItemType.DIR_ITEM, -1L), 1).isEmpty();
    }

    /**
     * Cookies: "." is 1, ".." is 2, an entry with DIR_INDEX i is i + 1 (indexes start at 2), so
     * resuming after cookie k returns the entries with index >= k.
     */
    List<DirEntryInfo> readdir(long dir, long cookie, int max) {
        List<DirEntryInfo> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        if (cookie <= 0) {
            out.add(new DirEntryInfo(new byte[] {'.'}, dir, DirEntry.FT_DIR, 1));
        }
        if (cookie <= 1 && out.size() < max) {
            out.add(new DirEntryInfo(new byte[] {'.', '.'}, parentOf(dir), DirEntry.FT_DIR, 2));
        }
        long from = Math.max(cookie, FIRST_INDEX);
        Key max1 = new Key(dir, ItemType.DIR_INDEX, -1L);
        Key min = new Key(dir, ItemType.DIR_INDEX, from);
        while (out.size() < max) {
            List<Item> items = store.scan(min, max1, Math.min(256, max - out.size()));
            if (items.isEmpty()) {
                break;
            }
            for (Item i : items) {
                DirEntry e = DirEntry.decodeAll(i.value()).get(0);
                out.add(new DirEntryInfo(e.name(), e.location().objectid(), e.type(), i.key().offset() + 1));
            }
            Key last = items.get(items.size() - 1).key();
            if (last.offset() == -1L) {
                break;
            }
            min = last.next();
        }
        return out;
    }
}
