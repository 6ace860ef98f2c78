package io.crfs.volume;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Opens an existing volume (btrfs-format.md §1.2, §5): verifies the superblock, refuses what
 * crfs does not support with a message naming the feature, loads the chunk map, the trees and
 * the allocation state of every block group (from the extent tree, cross-checked against
 * BLOCK_GROUP_ITEM.used).
 */
final class Opener {
    private Opener() {}

    static Engine open(BlockDevice dev) throws IOException {
        if (dev.size() < Superblock.PRIMARY_OFFSET + Superblock.SIZE) {
            throw new VolumeException(dev + " is " + dev.size() + " bytes, too small to hold a btrfs superblock");
        }
        Superblock sb = readSuperblock(dev);
        validate(sb, dev);
        Engine e = new Engine(dev, sb);
        try {
            loadChunks(e);
            loadTrees(e);
            loadGroups(e);
        } catch (StoreException x) {
            throw new CorruptVolumeException(x.getMessage());
        }
        return e;
    }

    /**
     * The primary superblock, or, if its checksum is bad (a torn write), the valid mirror with
     * the highest generation: every copy describes a complete commit.
     */
    static Superblock readSuperblock(BlockDevice dev) throws IOException {
        byte[] raw = new byte[Superblock.SIZE];
        dev.read(Superblock.PRIMARY_OFFSET, raw, 0, raw.length);
        Superblock primary = new Superblock(raw);
        if (primary.get(Superblock.MAGIC_OFF) != Superblock.MAGIC || primary.checksumOk()) {
            return primary;
        }
        Superblock best = null;
        for (long m : Superblock.MIRRORS) {
            if (m == Superblock.PRIMARY_OFFSET || m + Superblock.SIZE > dev.size()) {
                continue;
            }
            byte[] b = new byte[Superblock.SIZE];
            dev.read(m, b, 0, b.length);
            Superblock s = new Superblock(b);
            if (s.get(Superblock.MAGIC_OFF) == Superblock.MAGIC && s.checksumOk()
                    && Arrays.equals(s.fsid(), primary.fsid())
                    && (best == null || Long.compareUnsigned(s.generation(), best.generation()) > 0)) {
                best = s;
            }
        }
        if (best == null) {
            return primary; // validate() reports the bad checksum
        }
        org.slf4j.LoggerFactory.getLogger(Opener.class).warn("{}: primary superblock is damaged; using the mirror at "
                + "generation {}", dev, best.generation());
        return best;
    }

    private static void validate(Superblock sb, BlockDevice dev) throws IOException {
        if (sb.get(Superblock.MAGIC_OFF) != Superblock.MAGIC) {
            throw new VolumeException(dev + " is not a btrfs volume (no _BHRfS_M magic at 64 KiB); create one with 'crfs mkfs'");
        }
        // the type first: a volume checksummed with another algorithm must not look corrupt
        int csumType = Le.getUShort(sb.b, Superblock.CSUM_TYPE);
        if (csumType != 0) {
            throw new VolumeException("checksum type " + csumType + " (" + csumName(csumType)
                    + ") is not supported; crfs needs crc32c (mkfs.btrfs --csum crc32c)");
        }
        if (!sb.checksumOk()) {
            throw new CorruptVolumeException("superblock checksum mismatch at 64 KiB; try 'btrfs rescue super-recover'");
        }
        if (sb.get(Superblock.NUM_DEVICES) != 1) {
            throw new VolumeException("the volume spans " + sb.get(Superblock.NUM_DEVICES) + " devices; crfs supports one");
        }
        long incompat = sb.get(Superblock.INCOMPAT);
        long unknown = incompat & ~Superblock.SUPPORTED_INCOMPAT;
        if (unknown != 0) {
            throw new VolumeException("unsupported incompat features 0x" + Long.toHexString(unknown) + " ("
                    + incompatNames(unknown) + ")");
        }
        long need = Superblock.INCOMPAT_SKINNY_METADATA | Superblock.INCOMPAT_NO_HOLES;
        if ((incompat & need) != need) {
            throw new VolumeException("crfs needs the skinny-metadata and no-holes features (mkfs.btrfs defaults)");
        }
        long ro = sb.get(Superblock.COMPAT_RO);
        long fst = Superblock.COMPAT_RO_FREE_SPACE_TREE | Superblock.COMPAT_RO_FREE_SPACE_TREE_VALID;
        if ((ro & ~fst) != 0) {
            throw new VolumeException("unsupported compat_ro features 0x" + Long.toHexString(ro & ~fst)
                    + " (verity or block-group-tree)");
        }
        if ((ro & fst) != fst) {
            throw new VolumeException("the volume has no free-space tree; mount it once with -o space_cache=v2 to convert it");
        }
        if (sb.get(Superblock.FLAGS) != 1) {
            throw new VolumeException("superblock flags 0x" + Long.toHexString(sb.get(Superblock.FLAGS))
                    + " (seeding, metadump or fsid change in progress) are not supported");
        }
        if (sb.get(Superblock.LOG_ROOT) != 0) {
            throw new VolumeException("the volume has a dirty log tree (fsync'd changes awaiting replay); mount it once "
                    + "with the kernel to replay it");
        }
        int ns = sb.nodesize(), ss = sb.sectorsize();
        if (ss != 4096 || ns < 4096 || ns > 65536 || Integer.bitCount(ns) != 1) {
            throw new VolumeException("unsupported nodesize " + ns + " / sectorsize " + ss);
        }
        if (sb.sysArraySize() > Superblock.SYS_ARRAY_MAX || sb.sysArraySize() < 0) {
            throw new CorruptVolumeException("sys_chunk_array_size " + sb.sysArraySize() + " exceeds 2048");
        }
        if (sb.totalBytes() > dev.size()) {
            throw new CorruptVolumeException("superblock says the device has " + sb.totalBytes() + " bytes, but it has "
                    + dev.size() + " (truncated image?)");
        }
    }

    private static String csumName(int type) {
        return switch (type) {
            case 1 -> "xxhash64";
            case 2 -> "sha256";
            case 3 -> "blake2b";
            default -> "unknown";
        };
    }

    private static String incompatNames(long bits) {
        StringBuilder s = new StringBuilder();
        String[] names = {"mixed-backref", "default-subvol", "mixed-groups", "compress-lzo", "compress-zstd",
            "big-metadata", "extref", "raid56", "skinny-metadata", "no-holes", "metadata-uuid", "raid1c34", "zoned",
            "extent-tree-v2", "raid-stripe-tree", "simple-quota"};
        for (int i = 0; i < 64; i++) {
            if ((bits & (1L << i)) != 0) {
                s.append(s.isEmpty() ? "" : ", ").append(i < names.length ? names[i] : "bit " + i);
            }
        }
        return s.toString();
    }

    private static void loadChunks(Engine e) throws IOException {
        byte[] b = e.sb.b;
        int at = Superblock.SYS_ARRAY;
        int end = at + e.sb.sysArraySize();
        while (at < end) {
            if (end - at < Key.SIZE + 48) {
                throw new CorruptVolumeException("sys_chunk_array ends in the middle of a record");
            }
            Key k = Key.read(b, at);
            if (k.type() != ItemType.CHUNK_ITEM) {
                throw new CorruptVolumeException("sys_chunk_array holds a key of type " + k.type() + ", not CHUNK_ITEM");
            }
            Chunk c = Chunk.decode(k.offset(), b, at + Key.SIZE, end - at - Key.SIZE);
            e.chunks.add(c);
            at += Key.SIZE + c.encodedSize();
        }
        long chunkRoot = e.sb.chunkRoot();
        byte[] hdr = new byte[e.nodesize];
        e.readLogical(chunkRoot, hdr, 0, hdr.length);
        e.chunkTreeUuid = Arrays.copyOfRange(hdr, 64, 80);
        BTree chunk = new BTree(ObjectIds.CHUNK_TREE, e, chunkRoot, e.sb.chunkRootGeneration(), e.sb.chunkRootLevel());
        e.trees.put(ObjectIds.CHUNK_TREE, chunk);
        for (Item it : chunk.scan(Key.MIN, Key.MAX, Integer.MAX_VALUE)) {
            if (it.key().type() == ItemType.CHUNK_ITEM) {
                e.chunks.add(Chunk.decode(it.key().offset(), it.value(), 0, it.value().length));
            }
        }
    }

    private static void loadTrees(Engine e) throws IOException {
        BTree root = new BTree(ObjectIds.ROOT_TREE, e, e.sb.root(), e.sb.generation(), e.sb.rootLevel());
        e.trees.put(ObjectIds.ROOT_TREE, root);
        for (Item it : root.scan(Key.MIN, Key.MAX, Integer.MAX_VALUE)) {
            Key k = it.key();
            if (k.type() != ItemType.ROOT_ITEM) {
                continue;
            }
            long id = k.objectid();
            if (id == ObjectIds.QUOTA_TREE) {
                throw new VolumeException("the volume has quotas enabled; disable them (btrfs quota disable) first");
            }
            if (ObjectIds.isInode(id)) {
                throw new VolumeException("the volume has subvolume or snapshot " + Long.toUnsignedString(id)
                        + "; crfs serves only the top-level tree");
            }
            byte[] v = it.value();
            if (v.length < 239) {
                throw new CorruptVolumeException("ROOT_ITEM of tree " + id + " is " + v.length + " bytes");
            }
            e.trees.put(id, new BTree(id, e, Le.getLong(v, RootItem.BYTENR), Le.getLong(v, RootItem.GENERATION),
                    v[RootItem.LEVEL] & 0xFF));
        }
        for (long id : new long[] {ObjectIds.EXTENT_TREE, ObjectIds.DEV_TREE, ObjectIds.FS_TREE, ObjectIds.CSUM_TREE,
            ObjectIds.FREE_SPACE_TREE}) {
            if (!e.trees.containsKey(id)) {
                throw new CorruptVolumeException("the root tree has no ROOT_ITEM for tree " + id);
            }
        }
    }

    private static void loadGroups(Engine e) throws IOException {
        BTree ext = e.tree(ObjectIds.EXTENT_TREE);
        java.util.List<long[]> extents = new java.util.ArrayList<>();
        for (Item it : ext.scan(Key.MIN, Key.MAX, Integer.MAX_VALUE)) {
            Key k = it.key();
            switch (k.type()) {
                case ItemType.BLOCK_GROUP_ITEM -> {
                    Chunk c = e.chunks.find(k.objectid());
                    if (c == null || c.logical() != k.objectid() || c.length() != k.offset()) {
                        throw new CorruptVolumeException("block group " + k.objectid() + "+" + k.offset()
                                + " has no matching chunk");
                    }
                    BlockGroup g = new BlockGroup(c);
                    g.itemUsed = Le.getLong(it.value(), 0);
                    e.groups.put(c.logical(), g);
                }
                case ItemType.EXTENT_ITEM -> extents.add(new long[] {k.objectid(), k.offset()});
                case ItemType.METADATA_ITEM -> extents.add(new long[] {k.objectid(), e.nodesize});
                case ItemType.SHARED_BLOCK_REF, ItemType.SHARED_DATA_REF -> throw new VolumeException(
                        "the extent tree holds shared (snapshot or relocation) references; crfs does not support them");
                default -> { }
            }
        }
        for (long[] x : extents) {
            e.group(x[0]).used.add(x[0], x[0] + x[1]);
        }
        for (Chunk c : e.chunks.all()) {
            if (!e.groups.containsKey(c.logical())) {
                throw new CorruptVolumeException("chunk at " + c.logical() + " has no BLOCK_GROUP_ITEM");
            }
        }
        for (BlockGroup g : e.groups.values()) {
            if (g.used.total() != g.itemUsed) {
                throw new CorruptVolumeException("block group " + g.start() + " records " + g.itemUsed
                        + " bytes used but its extents add up to " + g.used.total() + "; run btrfs check");
            }
            g.resetAvail();
        }
    }
}
