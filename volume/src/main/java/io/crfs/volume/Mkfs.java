package io.crfs.volume;

import io.crfs.format.DirEntry;
import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.Le;
import io.crfs.format.ObjectIds;
import io.crfs.format.Timespec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Writes a fresh volume: a SYSTEM, a METADATA (DUP by default) and a DATA chunk, the nine trees
 * of a btrfs-progs image (btrfs-format.md §6), then lets the ordinary commit do all the
 * bookkeeping (METADATA_ITEMs, block group usage, free-space tree, ROOT_ITEMs, superblock).
 */
final class Mkfs {
    static final long MIB = 1 << 20;
    static final long MIN_SIZE = 64 * MIB;
    static final long INCOMPAT = Superblock.INCOMPAT_MIXED_BACKREF | Superblock.INCOMPAT_EXTENDED_IREF
            | Superblock.INCOMPAT_SKINNY_METADATA | Superblock.INCOMPAT_NO_HOLES;

    private Mkfs() {}

    static void run(Path image, long size, MkfsOptions o) throws IOException {
        if (size < MIN_SIZE) {
            throw new VolumeException("volume size " + size + " is below the minimum of " + MIN_SIZE
                    + " bytes (64 MiB); pass a larger --size");
        }
        if (o.nodesize() != 16384 || o.sectorsize() != 4096) {
            throw new VolumeException("crfs writes nodesize 16384 and sectorsize 4096 only");
        }
        try (FileBlockDevice dev = FileBlockDevice.open(image, true)) {
            dev.setSize(size);
            byte[] zero = new byte[(int) MIB];
            dev.write(0, zero, 0, zero.length); // wipe old superblocks and signatures in the first MiB
            for (long m : Superblock.MIRRORS) {
                if (m != Superblock.PRIMARY_OFFSET && m + Superblock.SIZE <= size) {
                    dev.write(m, zero, 0, Superblock.SIZE);
                }
            }
            Engine e = new Engine(dev, superblock(size, o));
            UUID chunkTreeUuid = UUID.randomUUID();
            Superblock.putUuid(e.chunkTreeUuid, 0, chunkTreeUuid);
            layout(e, size, o.dupMetadata());
            Instant now = Instant.now();
            for (long id : List.of(ObjectIds.ROOT_TREE, ObjectIds.EXTENT_TREE, ObjectIds.CHUNK_TREE, ObjectIds.DEV_TREE,
                    ObjectIds.FS_TREE, ObjectIds.CSUM_TREE, ObjectIds.UUID_TREE, ObjectIds.FREE_SPACE_TREE,
                    ObjectIds.DATA_RELOC_TREE)) {
                Block b = e.allocate(0, id);
                BTree t = new BTree(id, e, b.bytenr, b.generation, 0);
                t.markRootChanged();
                e.trees.put(id, t);
            }
            fill(e, now);
            Commit.run(e, new Csums(e));
            dev.flush();
        }
    }

    private static Superblock superblock(long size, MkfsOptions o) {
        Superblock sb = new Superblock(new byte[Superblock.SIZE]);
        Superblock.putUuid(sb.b, Superblock.FSID, o.fsid());
        sb.set(Superblock.FLAGS, 1);
        sb.set(Superblock.MAGIC_OFF, Superblock.MAGIC);
        sb.set(Superblock.GENERATION, 0);
        sb.set(Superblock.TOTAL_BYTES, size);
        sb.set(Superblock.ROOT_DIR, ObjectIds.ROOT_TREE_DIR);
        sb.set(Superblock.NUM_DEVICES, 1);
        sb.setInt(Superblock.SECTORSIZE, o.sectorsize());
        sb.setInt(Superblock.NODESIZE, o.nodesize());
        sb.setInt(Superblock.LEAFSIZE, o.nodesize());
        sb.setInt(Superblock.STRIPESIZE, 4096);
        sb.set(Superblock.COMPAT_RO, Superblock.COMPAT_RO_FREE_SPACE_TREE | Superblock.COMPAT_RO_FREE_SPACE_TREE_VALID);
        sb.set(Superblock.INCOMPAT, INCOMPAT);
        byte[] label = o.label().getBytes(StandardCharsets.UTF_8);
        if (label.length > 255) {
            throw new IllegalArgumentException("label is " + label.length + " bytes; at most 255");
        }
        System.arraycopy(label, 0, sb.b, Superblock.LABEL, label.length);
        byte[] dev = devItem(size, 0, UUID.randomUUID(), o.fsid(), o.sectorsize());
        System.arraycopy(dev, 0, sb.b, Superblock.DEV_ITEM, dev.length);
        return sb;
    }

    static byte[] devItem(long total, long used, UUID devUuid, UUID fsid, int sectorsize) {
        byte[] d = new byte[98];
        Le.putLong(d, 0, 1);
        Le.putLong(d, 8, total);
        Le.putLong(d, 16, used);
        Le.putInt(d, 24, 4096);
        Le.putInt(d, 28, 4096);
        Le.putInt(d, 32, sectorsize);
        Superblock.putUuid(d, 66, devUuid);
        Superblock.putUuid(d, 82, fsid);
        return d;
    }

    /** System (DUP), metadata (DUP or single) and data chunks laid out from 1 MiB on. */
    private static void layout(Engine e, long size, boolean dup) {
        long sys = size >= 512 * MIB ? 8 * MIB : 4 * MIB;
        long meta = Math.max(8 * MIB, Math.min(256 * MIB, size / 10 / MIB * MIB));
        long data = Math.max(8 * MIB, Math.min(1024 * MIB, size / 10 / MIB * MIB));
        byte[] devUuid = java.util.Arrays.copyOfRange(e.sb.b, Superblock.DEV_ITEM + 66, Superblock.DEV_ITEM + 82);
        long at = MIB;
        Chunk s = new Chunk(at, sys, Chunk.TYPE_SYSTEM | Chunk.PROFILE_DUP, new long[] {at, at + sys}, devUuid,
                Chunk.STRIPE_LEN, 1);
        at += 2 * sys;
        long[] mp = dup ? new long[] {at, at + meta} : new long[] {at};
        Chunk m = new Chunk(at, meta, Chunk.TYPE_METADATA | (dup ? Chunk.PROFILE_DUP : 0), mp, devUuid,
                Chunk.STRIPE_LEN, 1);
        at += mp.length * meta;
        Chunk d = new Chunk(at, data, Chunk.TYPE_DATA, new long[] {at}, devUuid, Chunk.STRIPE_LEN, 1);
        at += data;
        if (at > size) {
            throw new IllegalStateException("layout does not fit " + size + " bytes");
        }
        for (Chunk c : List.of(s, m, d)) {
            e.chunks.add(c);
            BlockGroup g = new BlockGroup(c);
            g.itemUsed = -1;
            g.fstDirty = true;
            g.resetAvail();
            e.groups.put(c.logical(), g);
        }
        // the system chunk is found through the superblock's sys_chunk_array
        byte[] rec = s.encode(e.sectorsize);
        new Key(ObjectIds.FIRST_CHUNK_TREE, ItemType.CHUNK_ITEM, s.logical()).write(e.sb.b, Superblock.SYS_ARRAY);
        System.arraycopy(rec, 0, e.sb.b, Superblock.SYS_ARRAY + Key.SIZE, rec.length);
        e.sb.setInt(Superblock.SYS_ARRAY_SIZE, Key.SIZE + rec.length);
        long devUsed = 2 * sys + mp.length * meta + data;
        Le.putLong(e.sb.b, Superblock.DEV_ITEM + 16, devUsed);
    }

    private static void fill(Engine e, Instant now) {
        long t = e.transid;
        Timespec ts = Timespec.of(now);
        BTree chunk = e.tree(ObjectIds.CHUNK_TREE);
        chunk.put(new Key(1, ItemType.DEV_ITEM, 1),
                java.util.Arrays.copyOfRange(e.sb.b, Superblock.DEV_ITEM, Superblock.DEV_ITEM + 98));
        for (Chunk c : e.chunks.all()) {
            chunk.put(new Key(ObjectIds.FIRST_CHUNK_TREE, ItemType.CHUNK_ITEM, c.logical()), c.encode(e.sectorsize));
            for (long p : c.physical()) {
                e.tree(ObjectIds.DEV_TREE).put(new Key(1, ItemType.DEV_EXTENT, p), Chunks.devExtent(e, c));
            }
        }
        BTree root = e.tree(ObjectIds.ROOT_TREE);
        UUID fsTreeUuid = UUID.randomUUID();
        for (long id : List.of(ObjectIds.EXTENT_TREE, ObjectIds.DEV_TREE, ObjectIds.FS_TREE, ObjectIds.CSUM_TREE,
                ObjectIds.UUID_TREE, ObjectIds.FREE_SPACE_TREE, ObjectIds.DATA_RELOC_TREE)) {
            boolean fs = id == ObjectIds.FS_TREE || id == ObjectIds.DATA_RELOC_TREE;
            byte[] v = RootItem.fresh(0, 0, 0, fs ? ObjectIds.ROOT_DIR : 0);
            if (id == ObjectIds.FS_TREE) {
                Superblock.putUuid(v, RootItem.UUID, fsTreeUuid);
                ts.write(v, RootItem.CTIME);
                ts.write(v, RootItem.OTIME);
            }
            root.put(new Key(id, ItemType.ROOT_ITEM, 0), v);
        }
        byte[] dflt = "default".getBytes(StandardCharsets.US_ASCII);
        byte[] dotdot = "..".getBytes(StandardCharsets.US_ASCII);
        root.put(new Key(ObjectIds.FS_TREE, ItemType.INODE_REF, ObjectIds.ROOT_TREE_DIR),
                InodeRef.encodeAll(List.of(new InodeRef(0, dflt))));
        root.put(new Key(ObjectIds.ROOT_TREE_DIR, ItemType.INODE_ITEM, 0), dirInode(t, ts, e.nodesize).bytes());
        root.put(new Key(ObjectIds.ROOT_TREE_DIR, ItemType.INODE_REF, ObjectIds.ROOT_TREE_DIR),
                InodeRef.encodeAll(List.of(new InodeRef(0, dotdot))));
        root.put(new Key(ObjectIds.ROOT_TREE_DIR, ItemType.DIR_ITEM, Hashes.nameHash(dflt)),
                new DirEntry(new Key(ObjectIds.FS_TREE, ItemType.ROOT_ITEM, -1L), 0, DirEntry.FT_DIR, dflt, null).encode());
        for (long id : List.of(ObjectIds.FS_TREE, ObjectIds.DATA_RELOC_TREE)) {
            BTree fs = e.tree(id);
            fs.put(new Key(ObjectIds.ROOT_DIR, ItemType.INODE_ITEM, 0), dirInode(t, ts, 0).bytes());
            fs.put(new Key(ObjectIds.ROOT_DIR, ItemType.INODE_REF, ObjectIds.ROOT_DIR),
                    InodeRef.encodeAll(List.of(new InodeRef(0, dotdot))));
        }
        byte[] uuid = new byte[16];
        Superblock.putUuid(uuid, 0, fsTreeUuid);
        byte[] id = new byte[8];
        Le.putLong(id, 0, ObjectIds.FS_TREE);
        e.tree(ObjectIds.UUID_TREE).put(new Key(Le.getLong(uuid, 0), ItemType.UUID_KEY_SUBVOL, Le.getLong(uuid, 8)), id);
    }

    private static InodeItem dirInode(long t, Timespec ts, long nbytes) {
        return InodeItem.allocate().generation(t).transid(t).size(0).nbytes(nbytes).nlink(1).mode(040755)
                .atime(ts).ctime(ts).mtime(ts).otime(ts);
    }
}
