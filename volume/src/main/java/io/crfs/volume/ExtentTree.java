package io.crfs.volume;

import io.crfs.format.Hashes;
import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies the transaction's delayed reference changes to the extent tree (btrfs-format.md
 * §9.5, §9.6): METADATA_ITEMs for allocated and freed tree blocks, EXTENT_ITEM references of
 * data extents (freeing an extent and its checksums when the last reference goes), and
 * BLOCK_GROUP_ITEM.used.
 */
final class ExtentTree {
    private ExtentTree() {}

    static BTree tree(Engine e) {
        return e.tree(ObjectIds.EXTENT_TREE);
    }

    static void applyMeta(Engine e) {
        Map<Long, long[]> del = new HashMap<>(e.pendingDel);
        Map<Long, long[]> add = new HashMap<>(e.pendingAdd);
        e.pendingDel.clear();
        e.pendingAdd.clear();
        BTree t = tree(e);
        for (Map.Entry<Long, long[]> d : new TreeMap<>(del).entrySet()) {
            long bytenr = d.getKey();
            if (!t.delete(new Key(bytenr, ItemType.METADATA_ITEM, d.getValue()[0]))
                    && !t.delete(new Key(bytenr, ItemType.EXTENT_ITEM, e.nodesize))) {
                throw new StoreException(StoreException.Kind.CORRUPT, "extent tree has no item for freed tree block "
                        + bytenr + " (level " + d.getValue()[0] + ", owner " + d.getValue()[1] + ")");
            }
        }
        for (Map.Entry<Long, long[]> a : new TreeMap<>(add).entrySet()) {
            t.put(new Key(a.getKey(), ItemType.METADATA_ITEM, a.getValue()[0]),
                    ExtentItem.metadataItem(e.transid, a.getValue()[1]));
        }
    }

    static void applyData(Engine e, Csums csums) {
        BTree t = tree(e);
        Freed freed = new Freed(e, csums);
        for (DataRefs.Delta d : e.dataRefs.drain()) {
            long bytenr = d.bytenr;
            Key key = new Key(bytenr, ItemType.EXTENT_ITEM, d.length);
            byte[] raw = t.get(key);
            ExtentItem item;
            if (raw == null) {
                if (!e.newData.containsKey(bytenr)) {
                    throw new StoreException(StoreException.Kind.CORRUPT, "no EXTENT_ITEM for data extent " + bytenr
                            + " +" + d.length + " referenced by a file");
                }
                item = new ExtentItem();
                item.generation = e.transid;
                item.flags = ExtentItem.FLAG_DATA;
            } else {
                item = ExtentItem.decode(bytenr, raw);
            }
            for (Map.Entry<DataRefs.Ref, Long> r : d.counts.entrySet()) {
                applyRef(e, t, bytenr, item, r.getKey(), r.getValue());
            }
            if (item.refs < 0) {
                throw new StoreException(StoreException.Kind.CORRUPT, "data extent " + bytenr + " would have "
                        + item.refs + " references");
            }
            if (item.refs == 0) {
                if (raw != null) {
                    t.delete(key);
                    for (Item k : t.scan(new Key(bytenr, ItemType.EXTENT_DATA_REF, 0),
                            new Key(bytenr, ItemType.SHARED_DATA_REF, -1L), Integer.MAX_VALUE)) {
                        t.delete(k.key());
                    }
                }
                freed.add(bytenr, d.length);
            } else {
                t.put(key, item.encode());
                e.newData.remove(bytenr);
            }
        }
        freed.flush();
    }

    /**
     * Data extents whose last reference went, freed (their checksums deleted, their space
     * pinned until the commit is on disk) a run of adjacent ones at a time. A file written in
     * many small pieces, deleted, frees tens of thousands of extents that mostly lie side by
     * side on disk; one by one, the checksum and free-space updates were half of the commit.
     * Extents allocated in this transaction are freed alone (their space is free at once).
     */
    private static final class Freed {
        private final Engine e;
        private final Csums csums;
        private long start = -1, end = -1;
        private BlockGroup group;

        Freed(Engine e, Csums csums) {
            this.e = e;
            this.csums = csums;
        }

        /** Extents come in address order. */
        void add(long bytenr, long length) {
            if (e.newData.containsKey(bytenr)) {
                csums.delete(bytenr, length);
                e.freeData(bytenr, length);
                return;
            }
            if (bytenr != end || bytenr >= group.end()) { // not adjacent, or in the next block group
                flush();
                start = bytenr;
                group = e.group(bytenr);
            }
            end = bytenr + length;
        }

        void flush() {
            if (start >= 0) {
                csums.delete(start, end - start);
                e.freeData(start, end - start);
                start = end = -1;
                group = null;
            }
        }
    }

    private static void applyRef(Engine e, BTree t, long bytenr, ExtentItem item, DataRefs.Ref ref, long delta) {
        item.refs += delta;
        long[] inline = item.findDataRef(ref.root(), ref.ino(), ref.offset());
        if (inline != null) {
            inline[3] += delta;
            if (inline[3] < 0) {
                throw new StoreException(StoreException.Kind.CORRUPT, "data extent " + bytenr + " ref " + ref
                        + " count would go negative");
            }
            if (inline[3] == 0) {
                item.dataRefs.remove(inline);
            }
            return;
        }
        long hash = Hashes.dataRefHash(ref.root(), ref.ino(), ref.offset());
        // keyed refs live at the hash, probing upward on collision
        for (long off = hash; ; off++) {
            Key k = new Key(bytenr, ItemType.EXTENT_DATA_REF, off);
            byte[] v = t.get(k);
            if (v == null) {
                break;
            }
            if (v.length == 28 && Le.getLong(v, 0) == ref.root() && Le.getLong(v, 8) == ref.ino()
                    && Le.getLong(v, 16) == ref.offset()) {
                long count = Le.getUInt(v, 24) + delta;
                if (count < 0) {
                    throw new StoreException(StoreException.Kind.CORRUPT, "data extent " + bytenr + " keyed ref "
                            + ref + " count would go negative");
                }
                if (count == 0) {
                    t.delete(k);
                } else {
                    t.put(k, ExtentItem.keyedRef(ref.root(), ref.ino(), ref.offset(), count));
                }
                return;
            }
        }
        if (delta < 0) {
            throw new StoreException(StoreException.Kind.CORRUPT, "data extent " + bytenr + " has no reference "
                    + ref + " to drop");
        }
        int size = ExtentItem.HEAD + (item.dataRefs.size() + 1) * ExtentItem.DATA_REF;
        if (size <= (e.nodesize - Block.HEADER) / 16) {
            item.dataRefs.add(new long[] {ref.root(), ref.ino(), ref.offset(), delta});
            return;
        }
        long off = hash;
        while (t.get(new Key(bytenr, ItemType.EXTENT_DATA_REF, off)) != null) {
            off++;
        }
        t.put(new Key(bytenr, ItemType.EXTENT_DATA_REF, off), ExtentItem.keyedRef(ref.root(), ref.ino(), ref.offset(), delta));
    }

    /** Writes BLOCK_GROUP_ITEM.used for every group whose usage changed; returns whether any did. */
    static boolean syncBlockGroups(Engine e) {
        boolean changed = false;
        for (BlockGroup g : e.groups.values()) {
            long used = g.used.total();
            if (used != g.itemUsed) {
                byte[] v = new byte[24];
                Le.putLong(v, 0, used);
                Le.putLong(v, 8, ObjectIds.FIRST_CHUNK_TREE);
                Le.putLong(v, 16, g.chunk.type());
                tree(e).put(new Key(g.start(), ItemType.BLOCK_GROUP_ITEM, g.chunk.length()), v);
                g.itemUsed = used;
                changed = true;
            }
        }
        return changed;
    }
}
