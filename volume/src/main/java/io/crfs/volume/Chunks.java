package io.crfs.volume;

import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ItemType;
import io.crfs.format.ObjectIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Allocation of new chunks (btrfs-format.md §9.12). A new chunk is usable at once in memory;
 * its items (CHUNK_ITEM, DEV_EXTENTs, DEV_ITEM.bytes_used, BLOCK_GROUP_ITEM) are written by the
 * commit, so allocating never re-enters a tree edit that is under way.
 */
final class Chunks {
    static final long MIB = 1 << 20;

    private Chunks() {}

    /** Allocates a chunk of {@code type} (DATA or METADATA); false when the device has no room. */
    static boolean allocate(Engine e, long type) {
        long total = e.sb.totalBytes();
        boolean dup = type == Chunk.TYPE_METADATA && metadataIsDup(e);
        long target = type == Chunk.TYPE_DATA
                ? clamp(total / 10, 8 * MIB, 1024 * MIB)
                : clamp(total / 10, 8 * MIB, 256 * MIB);
        List<long[]> free = freePhysical(e, total);
        long[] stripes = place(free, target, dup ? 2 : 1);
        if (stripes == null) {
            return false;
        }
        long len = stripes[stripes.length - 1];
        long[] phys = java.util.Arrays.copyOf(stripes, stripes.length - 1);
        long logical = (e.chunks.logicalEnd() + MIB - 1) / MIB * MIB;
        long flags = type | (dup ? Chunk.PROFILE_DUP : 0);
        Chunk c = new Chunk(logical, len, flags, phys, devUuid(e), Chunk.STRIPE_LEN, 1);
        e.chunks.add(c);
        BlockGroup g = new BlockGroup(c);
        g.itemUsed = -1; // no BLOCK_GROUP_ITEM yet: the commit inserts it
        g.fstDirty = true;
        g.resetAvail();
        e.groups.put(logical, g);
        e.pendingChunks.add(c);
        return true;
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v / MIB * MIB));
    }

    private static boolean metadataIsDup(Engine e) {
        for (Chunk c : e.chunks.all()) {
            if (c.isMetadata()) {
                return (c.type() & Chunk.PROFILE_DUP) != 0;
            }
        }
        return true;
    }

    private static byte[] devUuid(Engine e) {
        return java.util.Arrays.copyOfRange(e.sb.b, Superblock.DEV_ITEM + 66, Superblock.DEV_ITEM + 82);
    }

    /** Free physical ranges [start, end), 1 MiB aligned, outside the first MiB and every stripe. */
    /** Bytes of the device not yet in any chunk (whole MiBs only), i.e. what new chunks can take. */
    static long unallocated(Engine e) {
        long n = 0;
        for (long[] r : freePhysical(e, e.sb.totalBytes())) {
            n += r[1] - r[0];
        }
        return n;
    }

    static List<long[]> freePhysical(Engine e, long total) {
        List<long[]> out = new ArrayList<>();
        long at = MIB;
        for (long[] x : e.chunks.physicalExtents()) {
            if (x[0] > at) {
                out.add(new long[] {at, x[0]});
            }
            at = Math.max(at, x[1]);
        }
        if (total > at) {
            out.add(new long[] {at, total});
        }
        List<long[]> aligned = new ArrayList<>();
        for (long[] r : out) {
            long s = (r[0] + MIB - 1) / MIB * MIB;
            long end = r[1] / MIB * MIB;
            if (end > s) {
                aligned.add(new long[] {s, end});
            }
        }
        return aligned;
    }

    /** Physical starts of {@code copies} stripes plus, last, their common length; null if under 1 MiB fits. */
    static long[] place(List<long[]> free, long target, int copies) {
        for (long len = target; len >= MIB; len = len / 2 / MIB * MIB) {
            List<Long> starts = new ArrayList<>();
            for (long[] r : free) {
                long s = r[0];
                while (starts.size() < copies && s + len <= r[1]) {
                    starts.add(s);
                    s += len;
                }
            }
            if (starts.size() == copies) {
                long[] out = new long[copies + 1];
                for (int i = 0; i < copies; i++) {
                    out[i] = starts.get(i);
                }
                out[copies] = len;
                return out;
            }
            if (len == MIB) {
                break;
            }
        }
        return null;
    }

    /**
     * Removes block groups that hold nothing now and held nothing at the last commit (no space
     * in them was freed in this transaction) and were not made in it, as the kernel's btrfs
     * removes unused block groups: the device space goes back to where new chunks come from.
     * Without this, a volume once filled with data and emptied could not grow its metadata (a
     * 1 GiB volume, filled and emptied, refused new files after 12,029), and one that once held
     * many small files kept their metadata chunks, so its data could not grow. Which groups go:
     * {@link #unused}. Called by the commit; returns whether it removed any.
     */
    static boolean removeUnused(Engine e) throws IOException {
        List<BlockGroup> unused = unused(e);
        for (BlockGroup g : unused) {
            e.groups.remove(g.start()); // removing their items copies tree blocks: never into these groups
        }
        for (BlockGroup g : unused) {
            remove(e, g);
        }
        return !unused.isEmpty();
    }

    /**
     * The block groups the next commit removes ({@link #removeUnused}): empty now, and empty at
     * the last commit, which is what their BLOCK_GROUP_ITEM says until this commit writes it
     * again (a group made in this transaction has none yet: -1). Empty then, no space in them was
     * freed since, so nothing in them is pinned. One data group always stays. So does one
     * metadata group, and metadata groups go only while the metadata groups left keep free at
     * least as much as is used in them (and at least {@link FsStore#META_LOW}): a volume whose
     * files come and go keeps room for them instead of giving chunks back and taking them again.
     * System groups (the chunk tree's) always stay.
     */
    static List<BlockGroup> unused(Engine e) {
        List<BlockGroup> unused = new ArrayList<>();
        List<BlockGroup> emptyMeta = new ArrayList<>();
        int data = 0, meta = 0;
        long metaUsed = 0, metaFree = 0;
        for (BlockGroup g : e.groups.values()) {
            boolean empty = g.itemUsed == 0 && g.used.total() == 0;
            if (g.chunk.isData()) {
                data++;
                if (empty) {
                    unused.add(g);
                }
            } else if (g.chunk.isMetadata() && !g.chunk.isSystem()) {
                meta++;
                metaUsed += g.used.total();
                metaFree += g.avail.total();
                if (empty) {
                    emptyMeta.add(g);
                }
            }
        }
        if (!unused.isEmpty() && unused.size() == data) {
            unused.removeLast();
        }
        for (BlockGroup g : emptyMeta.reversed()) { // the last ones first: new tree blocks go to the first
            long freeLeft = metaFree - g.avail.total();
            if (meta > 1 && freeLeft >= Math.max(metaUsed, FsStore.META_LOW)) {
                unused.add(g);
                meta--;
                metaFree = freeLeft;
            }
        }
        return unused;
    }

    /** Deletes a block group's chunk, dev extents, block group item and free space items. */
    private static void remove(Engine e, BlockGroup g) throws IOException {
        Chunk c = g.chunk;
        BTree chunkTree = e.tree(ObjectIds.CHUNK_TREE);
        chunkTree.delete(new Key(ObjectIds.FIRST_CHUNK_TREE, ItemType.CHUNK_ITEM, c.logical()));
        for (long p : c.physical()) {
            e.tree(ObjectIds.DEV_TREE).delete(new Key(1, ItemType.DEV_EXTENT, p));
        }
        addDeviceBytesUsed(e, -c.length() * c.physical().length);
        ExtentTree.tree(e).delete(new Key(g.start(), ItemType.BLOCK_GROUP_ITEM, c.length()));
        FreeSpaceTree.drop(e, g);
        e.groups.remove(g.start());
        e.chunks.remove(c);
    }

    /** Writes the items of chunks allocated in this transaction (called by the commit). */
    static void writePending(Engine e) throws IOException {
        for (Chunk c : e.pendingChunks) {
            e.tree(ObjectIds.CHUNK_TREE).put(new Key(ObjectIds.FIRST_CHUNK_TREE, ItemType.CHUNK_ITEM, c.logical()),
                    c.encode(e.sectorsize));
            for (long p : c.physical()) {
                e.tree(ObjectIds.DEV_TREE).put(new Key(1, ItemType.DEV_EXTENT, p), devExtent(e, c));
            }
            addDeviceBytesUsed(e, c.length() * c.physical().length);
        }
        e.pendingChunks.clear();
    }

    /** Adds {@code delta} to the bytes_used of the device's DEV_ITEM (a chunk's copies made or gone). */
    private static void addDeviceBytesUsed(Engine e, long delta) throws IOException {
        BTree chunkTree = e.tree(ObjectIds.CHUNK_TREE);
        Key devKey = new Key(1, ItemType.DEV_ITEM, 1);
        byte[] dev = chunkTree.get(devKey);
        if (dev == null) {
            throw new CorruptVolumeException("the chunk tree has no DEV_ITEM for device 1");
        }
        dev = dev.clone();
        Le.putLong(dev, 16, Le.getLong(dev, 16) + delta);
        chunkTree.put(devKey, dev);
    }

    static byte[] devExtent(Engine e, Chunk c) {
        byte[] b = new byte[48];
        Le.putLong(b, 0, ObjectIds.CHUNK_TREE);
        Le.putLong(b, 8, ObjectIds.FIRST_CHUNK_TREE);
        Le.putLong(b, 16, c.logical());
        Le.putLong(b, 24, c.length());
        System.arraycopy(e.chunkTreeUuid, 0, b, 32, 16);
        return b;
    }
}
