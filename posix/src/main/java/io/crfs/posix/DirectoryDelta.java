package io.crfs.posix;

import static io.crfs.posix.ItemRules.show;

import io.crfs.format.DirEntry;
import io.crfs.format.FormatException;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directory rules of {@link ItemRules} for a directory that held them before a change,
 * checked only on the names the change touched, so that adding a name to a directory of a
 * million costs what adding it to an empty one does.
 *
 * <p>Why that suffices: whether a name's entries are right (one DIR_INDEX and one DIR_ITEM entry,
 * agreeing, whose child exists with that type and refers back with that index) depends on the
 * items of that name and of its child only. A name whose entries the change did not touch, and
 * whose child's back references to this directory it did not touch, was right before and is
 * right after; a child's file type is checked from the child's side ({@link InodeLinks}). The
 * directory's size moves by twice the name lengths of the DIR_INDEX items changed. The unchanged
 * DIR_INDEX of a name, if there was one, is found through the name's DIR_ITEM entry, its child
 * and the child's back reference, as they were before.
 *
 * <p>{@link #of} returns null when the state before does not let the shortcut be taken (the
 * inode was no directory, or a touched name's entries before cannot be followed, as for a
 * subvolume's entry); the directory is then checked whole.
 */
final class DirectoryDelta {
    private record Indexed(long index, DirEntry entry) {}

    private final ChangedItems change;
    private final long dir;
    private final long sizeBefore;
    private long sizeDelta;
    private final Set<ByteBuffer> names = new LinkedHashSet<>();
    /** DIR_INDEX entries the change put, by name. */
    private final Map<ByteBuffer, List<Indexed>> putIndexes = new HashMap<>();
    /** For each touched name that had entries before: the index it had. */
    private final Map<ByteBuffer, Long> indexBefore = new HashMap<>();

    private DirectoryDelta(ChangedItems change, long dir, long sizeBefore) {
        this.change = change;
        this.dir = dir;
        this.sizeBefore = sizeBefore;
    }

    /** The delta check of {@code dir}, or null when it must be checked whole. */
    static DirectoryDelta of(ChangedItems change, long dir) {
        byte[] raw = change.before.get(new Key(dir, ItemType.INODE_ITEM, 0));
        if (raw == null || raw.length != InodeItem.SIZE) {
            return null;
        }
        InodeItem was = new InodeItem(raw);
        if (DirEntry.typeOfMode(was.mode()) != DirEntry.FT_DIR) {
            return null;
        }
        DirectoryDelta d = new DirectoryDelta(change, dir, was.size());
        return d.collect() ? d : null;
    }

    private boolean collect() {
        try {
            for (Key k : change.entryKeys(dir)) {
                byte[] old = change.before.get(k);
                List<DirEntry> was = old == null ? List.of() : DirEntry.decodeAll(old);
                List<DirEntry> now = afterEntries(k);
                for (DirEntry e : was) {
                    names.add(ByteBuffer.wrap(e.name()));
                }
                for (DirEntry e : now) {
                    names.add(ByteBuffer.wrap(e.name()));
                }
                if (k.type() == ItemType.DIR_INDEX) {
                    sizeDelta -= 2L * nameBytes(was);
                    sizeDelta += 2L * nameBytes(now);
                    if (now.size() == 1) {
                        putIndexes.computeIfAbsent(ByteBuffer.wrap(now.get(0).name()), n -> new ArrayList<>())
                                .add(new Indexed(k.offset(), now.get(0)));
                    }
                }
            }
            names.addAll(change.refNames(dir));
            for (ByteBuffer n : names) {
                if (!findIndexBefore(n)) {
                    return false;
                }
            }
            return true;
        } catch (FormatException e) {
            return false; // the entries before do not parse: only a whole check can say what is wrong
        }
    }

    /** The entries of a changed key after the change; an item that does not parse is reported by the item checks. */
    private List<DirEntry> afterEntries(Key k) {
        byte[] v = change.after.get(k);
        try {
            return v == null ? List.of() : DirEntry.decodeAll(v);
        } catch (FormatException e) {
            return List.of();
        }
    }

    private static long nameBytes(List<DirEntry> entries) {
        return entries.size() == 1 ? entries.get(0).name().length : 0; // a DIR_INDEX holds one entry
    }

    /** Records the index name n had before; false if the state before cannot say. */
    private boolean findIndexBefore(ByteBuffer n) {
        byte[] name = bytes(n);
        DirEntry e = entry(change.before, name);
        if (e == null) {
            return true; // no entry before, so no DIR_INDEX of that name either
        }
        if (e.location().type() != ItemType.INODE_ITEM) {
            return false;
        }
        Long index = InodeLinks.backRef(change.before, e.location().objectid(), dir, name);
        if (index == null) {
            return false;
        }
        byte[] idx = change.before.get(new Key(dir, ItemType.DIR_INDEX, index));
        List<DirEntry> ie = idx == null ? List.of() : DirEntry.decodeAll(idx);
        if (ie.size() != 1 || !n.equals(ByteBuffer.wrap(ie.get(0).name()))) {
            return false;
        }
        indexBefore.put(n, index);
        return true;
    }

    /** The DIR_ITEM entry of name in this directory, in the given store, or null. */
    private DirEntry entry(ItemStore store, byte[] name) {
        List<DirEntry> found = entries(store, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private List<DirEntry> entries(ItemStore store, byte[] name) {
        byte[] v = store.get(new Key(dir, ItemType.DIR_ITEM, Hashes.nameHash(name)));
        List<DirEntry> out = new ArrayList<>();
        if (v != null) {
            for (DirEntry e : DirEntry.decodeAll(v)) {
                if (java.util.Arrays.equals(e.name(), name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer n) {
        byte[] b = new byte[n.remaining()];
        n.duplicate().get(b);
        return b;
    }

    /** The directory rules on the touched names, and the size, as {@link InodeLinks} words them. */
    void check(InodeItem inode, InodeLinks links, String who, List<String> out) {
        long size = sizeBefore + sizeDelta;
        if (inode.size() != size) {
            out.add(who + "dir size: expected 2 x sum of DIR_INDEX name lengths = " + size + ", got " + inode.size());
        }
        for (ByteBuffer n : names) {
            checkName(bytes(n), n, links, who, out);
        }
    }

    private void checkName(byte[] name, ByteBuffer n, InodeLinks links, String who, List<String> out) {
        List<DirEntry> items;
        try {
            items = entries(change.after, name);
        } catch (FormatException e) {
            items = List.of(); // a changed DIR_ITEM that does not parse is reported as a bad item
        }
        List<Indexed> indexes = new ArrayList<>(putIndexes.getOrDefault(n, List.of()));
        Long kept = indexBefore.get(n);
        if (kept != null && !change.entryKeys(dir).contains(new Key(dir, ItemType.DIR_INDEX, kept))) {
            indexes.add(new Indexed(kept, DirEntry.decodeAll(change.after.get(new Key(dir, ItemType.DIR_INDEX, kept))).get(0)));
        }
        if (items.size() > 1) {
            out.add(who + "duplicate name: " + show(name) + " expected once, got " + items.size() + " DIR_ITEM entries");
        }
        if (indexes.size() > 1) {
            out.add(who + "duplicate name: " + show(name) + " expected once, got DIR_INDEX " + indexes.get(0).index
                    + " and " + indexes.get(1).index);
        }
        if (indexes.isEmpty() && !items.isEmpty()) {
            out.add(who + "dir item without dir index: DIR_ITEM entry " + show(name)
                    + " expected a DIR_INDEX with that name, got none");
        }
        for (Indexed i : indexes) {
            DirEntry d = items.isEmpty() ? null : items.get(0);
            links.checkPair(i.index, i.entry, d);
        }
    }
}
