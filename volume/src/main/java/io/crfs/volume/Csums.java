package io.crfs.volume;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ObjectIds;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The checksum tree (btrfs-format.md §7.7, §9.8): one CRC-32C per data sector, in items
 * {@code (EXTENT_CSUM, 128, first sector's logical address)} that never overlap.
 */
final class Csums {
    static final int SECTORS_PER_ITEM = 1024;

    private final Engine e;

    Csums(Engine e) {
        this.e = e;
    }

    private BTree tree() {
        return e.tree(ObjectIds.CSUM_TREE);
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** Records checksums of {@code data} (a whole number of sectors) written at {@code bytenr}. */
    void add(long bytenr, byte[] data, int off, int len) {
        int ss = e.sectorsize;
        int sectors = len / ss;
        for (int first = 0; first < sectors; first += SECTORS_PER_ITEM) {
            int n = Math.min(SECTORS_PER_ITEM, sectors - first);
            byte[] v = new byte[n * 4];
            for (int i = 0; i < n; i++) {
                Le.putInt(v, i * 4, crc(data, off + (first + i) * ss, ss));
            }
            tree().put(new Key(ObjectIds.EXTENT_CSUM, ItemType.EXTENT_CSUM, bytenr + (long) first * ss), v);
        }
    }

    /** Removes the checksums of [bytenr, bytenr + len), trimming or splitting items that straddle it. */
    void delete(long bytenr, long len) {
        int ss = e.sectorsize;
        long end = bytenr + len;
        for (Item it : overlapping(bytenr, end)) {
            long s = it.key().offset();
            long itemEnd = s + (long) (it.value().length / 4) * ss;
            if (itemEnd <= bytenr || s >= end) {
                continue;
            }
            tree().delete(it.key());
            if (s < bytenr) {
                int keep = (int) ((bytenr - s) / ss) * 4;
                tree().put(it.key(), Arrays.copyOf(it.value(), keep));
            }
            if (itemEnd > end) {
                int skip = (int) ((end - s) / ss) * 4;
                tree().put(key(end),
                        Arrays.copyOfRange(it.value(), skip, it.value().length));
            }
        }
    }

    /** Csum items that may overlap [bytenr, end): the one starting at or before bytenr, and all starting inside. */
    private List<Item> overlapping(long bytenr, long end) {
        List<Item> out = new java.util.ArrayList<>(tree().scanBackward(key(0), key(bytenr), 1));
        out.addAll(tree().scan(key(bytenr + 1), key(end - 1), Integer.MAX_VALUE));
        return out;
    }

    private static Key key(long bytenr) {
        return new Key(ObjectIds.EXTENT_CSUM, ItemType.EXTENT_CSUM, bytenr);
    }

    /**
     * Checksums of the sectors of [bytenr, bytenr + len) into {@code out} (one per sector);
     * returns false if any sector has none.
     */
    boolean lookup(long bytenr, long len, int[] out) {
        int ss = e.sectorsize;
        int sectors = (int) (len / ss);
        boolean[] found = new boolean[sectors];
        long end = bytenr + len;
        for (Item it : overlapping(bytenr, end)) {
            long s = it.key().offset();
            int n = it.value().length / 4;
            for (int i = 0; i < n; i++) {
                long a = s + (long) i * ss;
                if (a >= bytenr && a < end) {
                    int idx = (int) ((a - bytenr) / ss);
                    out[idx] = Le.getInt(it.value(), i * 4);
                    found[idx] = true;
                }
            }
        }
        for (boolean f : found) {
            if (!f) {
                return false;
            }
        }
        return true;
    }
}
