package io.crfs.volume;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ObjectIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the free-space tree (btrfs-format.md §7.11, §9.7) equal to each block group's free
 * ranges: for a changed group, the wanted items (FREE_SPACE_INFO plus one FREE_SPACE_EXTENT per
 * maximal free range, extent mode) are compared with what the tree holds, bitmaps included,
 * and only the difference is written.
 */
final class FreeSpaceTree {
    private FreeSpaceTree() {}

    /** Rewrites the items of every group marked dirty; returns whether anything was edited. */
    static boolean sync(Engine e) {
        BTree fst = e.trees.get(ObjectIds.FREE_SPACE_TREE);
        if (fst == null) {
            for (BlockGroup g : e.groups.values()) {
                g.fstDirty = false;
            }
            return false;
        }
        boolean changed = false;
        for (BlockGroup g : e.groups.values()) {
            if (!g.fstDirty) {
                continue;
            }
            g.fstDirty = false;
            changed |= syncGroup(fst, g);
        }
        return changed;
    }

    /** Deletes the free space items of a block group that is going away. */
    static void drop(Engine e, BlockGroup g) {
        BTree fst = e.trees.get(ObjectIds.FREE_SPACE_TREE);
        if (fst == null) {
            return;
        }
        List<Key> items = new ArrayList<>();
        fst.forEach(new Key(g.start(), 0, 0), new Key(g.end() - 1, 0xFF, -1L), (k, v) -> {
            if (k.type() == ItemType.FREE_SPACE_INFO || k.type() == ItemType.FREE_SPACE_EXTENT
                    || k.type() == ItemType.FREE_SPACE_BITMAP) {
                items.add(k);
            }
            return true;
        });
        items.forEach(fst::delete);
    }

    private static boolean syncGroup(BTree fst, BlockGroup g) {
        Map<Key, byte[]> want = new LinkedHashMap<>();
        List<long[]> free = g.freeRanges();
        byte[] info = new byte[8];
        Le.putInt(info, 0, free.size());
        want.put(new Key(g.start(), ItemType.FREE_SPACE_INFO, g.chunk.length()), info);
        for (long[] r : free) {
            want.put(new Key(r[0], ItemType.FREE_SPACE_EXTENT, r[1] - r[0]), new byte[0]);
        }
        List<Item> have = new ArrayList<>();
        fst.forEach(new Key(g.start(), 0, 0), new Key(g.end() - 1, 0xFF, -1L), (k, v) -> {
            if (k.type() == ItemType.FREE_SPACE_INFO || k.type() == ItemType.FREE_SPACE_EXTENT
                    || k.type() == ItemType.FREE_SPACE_BITMAP) {
                have.add(new Item(k, v));
            }
            return true;
        });
        boolean changed = false;
        for (Item i : have) {
            byte[] w = want.get(i.key());
            if (w == null) {
                fst.delete(i.key());
                changed = true;
            } else if (java.util.Arrays.equals(w, i.value())) {
                want.remove(i.key());
            }
        }
        for (Map.Entry<Key, byte[]> w : want.entrySet()) {
            fst.put(w.getKey(), w.getValue());
            changed = true;
        }
        return changed;
    }
}
