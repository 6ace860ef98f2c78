package io.crfs.volume;

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
        final long length;
        final TreeMap<Ref, Long> counts = new TreeMap<>();

        Delta(long length) {
            this.length = length;
        }
    }

    private final TreeMap<Long, Delta> byExtent = new TreeMap<>();

    void add(long bytenr, long length, long root, long ino, long offset, long delta) {
        Delta d = byExtent.computeIfAbsent(bytenr, k -> new Delta(length));
        if (d.length != length) {
            throw new IllegalStateException("extent " + bytenr + " referenced with lengths " + d.length + " and " + length);
        }
        d.counts.merge(new Ref(root, ino, offset), delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    boolean isEmpty() {
        return byExtent.isEmpty();
    }

    /** Takes every pending change, leaving this empty. */
    TreeMap<Long, Delta> drain() {
        TreeMap<Long, Delta> out = new TreeMap<>(byExtent);
        byExtent.clear();
        return out;
    }
}
