package io.crfs.volume;

import io.crfs.format.Hashes;
import io.crfs.format.ItemType;
import io.crfs.format.Le;
import java.util.ArrayList;
import java.util.List;

/**
 * A data EXTENT_ITEM {@code (bytenr, 168, length)}: head {@code refs u64 | generation u64 |
 * flags u64} then inline references, ordered by type ascending and, among EXTENT_DATA_REFs, by
 * {@link Hashes#dataRefHash} descending (btrfs-format.md §7.9). An EXTENT_DATA_REF is
 * {@code type u8 | root u64 | objectid u64 | offset u64 | count u32}; a SHARED_DATA_REF is
 * {@code type u8 | parent u64 | count u32}.
 */
final class ExtentItem {
    static final long FLAG_DATA = 0x1;
    static final long FLAG_TREE_BLOCK = 0x2;
    static final int HEAD = 24;
    static final int DATA_REF = 1 + 28;

    long refs;
    long generation;
    long flags;
    /** Inline EXTENT_DATA_REFs as {root, ino, offset, count}. */
    final List<long[]> dataRefs = new ArrayList<>();
    /** Inline refs of other types, kept verbatim (type byte first). */
    final List<byte[]> others = new ArrayList<>();

    static ExtentItem decode(long bytenr, byte[] b) {
        if (b.length < HEAD) {
            throw Engine.corrupt(bytenr, "EXTENT_ITEM of " + b.length + " bytes is shorter than its 24-byte head");
        }
        ExtentItem e = new ExtentItem();
        e.refs = Le.getLong(b, 0);
        e.generation = Le.getLong(b, 8);
        e.flags = Le.getLong(b, 16);
        int at = HEAD;
        if ((e.flags & FLAG_TREE_BLOCK) != 0) {
            throw Engine.corrupt(bytenr, "non-skinny tree-block EXTENT_ITEM for extent " + bytenr
                    + " (crfs needs skinny metadata)");
        }
        while (at < b.length) {
            int type = b[at] & 0xFF;
            int len = switch (type) {
                case ItemType.EXTENT_DATA_REF -> DATA_REF;
                case ItemType.SHARED_DATA_REF -> 13;
                case ItemType.TREE_BLOCK_REF, ItemType.SHARED_BLOCK_REF -> 9;
                default -> throw Engine.corrupt(bytenr, "unknown inline ref type " + type + " in extent " + bytenr);
            };
            if (at + len > b.length) {
                throw Engine.corrupt(bytenr, "inline ref of type " + type + " runs past the end of extent item " + bytenr);
            }
            if (type == ItemType.EXTENT_DATA_REF) {
                e.dataRefs.add(new long[] {Le.getLong(b, at + 1), Le.getLong(b, at + 9), Le.getLong(b, at + 17),
                        Le.getUInt(b, at + 25)});
            } else {
                e.others.add(java.util.Arrays.copyOfRange(b, at, at + len));
            }
            at += len;
        }
        return e;
    }

    byte[] encode() {
        dataRefs.sort((x, y) -> Long.compareUnsigned(Hashes.dataRefHash(y[0], y[1], y[2]),
                Hashes.dataRefHash(x[0], x[1], x[2])));
        int size = HEAD + dataRefs.size() * DATA_REF;
        for (byte[] o : others) {
            size += o.length;
        }
        byte[] b = new byte[size];
        Le.putLong(b, 0, refs);
        Le.putLong(b, 8, generation);
        Le.putLong(b, 16, flags);
        int at = HEAD;
        // types ascending: TREE_BLOCK_REF 176 < EXTENT_DATA_REF 178 < SHARED_BLOCK_REF 182 < SHARED_DATA_REF 184
        for (byte[] o : others) {
            if ((o[0] & 0xFF) < ItemType.EXTENT_DATA_REF) {
                System.arraycopy(o, 0, b, at, o.length);
                at += o.length;
            }
        }
        for (long[] r : dataRefs) {
            b[at] = (byte) ItemType.EXTENT_DATA_REF;
            Le.putLong(b, at + 1, r[0]);
            Le.putLong(b, at + 9, r[1]);
            Le.putLong(b, at + 17, r[2]);
            Le.putInt(b, at + 25, (int) r[3]);
            at += DATA_REF;
        }
        for (byte[] o : others) {
            if ((o[0] & 0xFF) > ItemType.EXTENT_DATA_REF) {
                System.arraycopy(o, 0, b, at, o.length);
                at += o.length;
            }
        }
        return b;
    }

    long[] findDataRef(long root, long ino, long offset) {
        for (long[] r : dataRefs) {
            if (r[0] == root && r[1] == ino && r[2] == offset) {
                return r;
            }
        }
        return null;
    }

    /** A keyed EXTENT_DATA_REF payload (28 bytes). */
    static byte[] keyedRef(long root, long ino, long offset, long count) {
        byte[] b = new byte[28];
        Le.putLong(b, 0, root);
        Le.putLong(b, 8, ino);
        Le.putLong(b, 16, offset);
        Le.putInt(b, 24, (int) count);
        return b;
    }

    /** The 33-byte skinny METADATA_ITEM of a tree block owned by {@code owner}. */
    static byte[] metadataItem(long generation, long owner) {
        byte[] b = new byte[33];
        Le.putLong(b, 0, 1);
        Le.putLong(b, 8, generation);
        Le.putLong(b, 16, FLAG_TREE_BLOCK);
        b[24] = (byte) ItemType.TREE_BLOCK_REF;
        Le.putLong(b, 25, owner);
        return b;
    }
}
