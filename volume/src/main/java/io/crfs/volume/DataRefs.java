package io.crfs.volume;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * Pending changes to data extent references (delayed refs, btrfs-format.md §9.5): per extent,
 * per (root, inode, offset) the change in count. Applied to the extent tree at commit.
 */
final class DataRefs {
    record Ref(long root, long ino, long offset) implements Comparable<Ref> {
        @Override
        public int compareTo(Ref o) {
            int c = Long.compareUnsigned(root, o.root);
            if (c == 0) {
                c = Long.compareUnsigned(ino, o.ino);
            }
            return c != 0 ? c : Long.compareUnsigned(offset, o.offset);
        }
    }

    static final class Delta {
        final long bytenr;
        final long length;
        final TreeMap<Ref, Long> counts = new TreeMap<>();

        Delta(long bytenr, long length) {
            this.bytenr = bytenr;
            this.length = length;
        }
    }

    /**
     * By extent start, in a hash table: deleting a file of 130,000 extents makes as many
     * changes, and a sorted map rebalancing on each insert was a quarter of that delete's time.
     * They are sorted once, when taken.
     */
    private final HashMap<Long, Delta> byExtent = new HashMap<>();

    void add(long bytenr, long length, long root, long ino, long offset, long delta) {
        Delta d = byExtent.computeIfAbsent(bytenr, k -> new Delta(k, length));
        if (d.length != length) {
            throw new IllegalStateException("extent " + bytenr + " referenced with lengths " + d.length + " and " + length);
        }
        d.counts.merge(new Ref(root, ino, offset), delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    boolean isEmpty() {
        return byExtent.isEmpty();
    }

    /** Takes every pending change, in extent order, leaving this empty. */
    List<Delta> drain() {
        List<Delta> out = new ArrayList<>(byExtent.values());
        byExtent.clear();
        out.sort((a, b) -> Long.compareUnsigned(a.bytenr, b.bytenr));
        return out;
    }
}
