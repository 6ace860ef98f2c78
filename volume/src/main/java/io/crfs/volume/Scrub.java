package io.crfs.volume;

import io.crfs.format.FileExtent;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.util.Map;

/**
 * Reads every tree block of every tree (verifying checksum, header, order and parent pointers)
 * and every data sector a file references (verifying its CRC-32C). Errors propagate as
 * {@link io.crfs.format.StoreException} naming the block or extent.
 */
public final class Scrub {
    /** What a scrub read. */
    public record Report(long treeBlocks, long items, long dataBytes) {}

    private Scrub() {}

    static Report run(Engine e, FileData data) {
        long[] counts = new long[3];
        for (Map.Entry<Long, BTree> t : e.trees.entrySet()) {
            BTree tree = t.getValue();
            walk(e, tree.owner, tree.rootBytenr(), tree.rootGen(), tree.rootLevel(), null, counts);
        }
        BTree fs = e.tree(ObjectIds.FS_TREE);
        fs.forEach(Key.MIN, Key.MAX, (k, v) -> {
            if (k.type() == ItemType.EXTENT_DATA) {
                FileExtent f = FileExtent.decode(v);
                if (f.type() == FileExtent.TYPE_REG && f.diskBytenr() != 0 && f.compression() == 0) {
                    int len = (int) Math.min(f.numBytes(), Integer.MAX_VALUE - 8);
                    for (long at = 0; at < f.numBytes(); at += 1 << 20) {
                        int n = (int) Math.min(1 << 20, f.numBytes() - at);
                        data.readRaw(k.objectid(), f.diskBytenr() + f.offset() + at, n);
                    }
                    counts[2] += len;
                }
            }
            return true;
        });
        return new Report(counts[0], counts[1], counts[2]);
    }

    private static void walk(Engine e, long owner, long bytenr, long gen, int level, Key first, long[] counts) {
        Block b = e.read(bytenr, gen, level, owner);
        counts[0]++;
        if (first != null && b.n > 0 && !b.keys[0].equals(first)) {
            throw Engine.corrupt(bytenr, "first key " + b.keys[0] + " differs from the parent's " + first);
        }
        if (b.isLeaf()) {
            counts[1] += b.n;
            return;
        }
        for (int i = 0; i < b.n; i++) {
            walk(e, owner, b.ptrs[i], b.gens[i], level - 1, b.keys[i], counts);
        }
    }
}
