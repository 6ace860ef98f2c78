package io.crfs.volume;

import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.util.Map;

/**
 * Commits the running transaction (btrfs-format.md §9.9): applies delayed references, block
 * group usage, the free-space tree and ROOT_ITEMs in a loop until a pass changes nothing (each
 * pass only touches blocks the previous ones already made writable, so it converges), writes
 * every dirty block to every copy, flushes, writes the superblock and its mirrors, flushes.
 */
final class Commit {
    private static final int MAX_PASSES = 64;

    private Commit() {}

    static boolean needed(Engine e) {
        return !e.dirty.isEmpty() || !e.pendingChunks.isEmpty() || !e.dataRefs.isEmpty();
    }

    static void run(Engine e, Csums csums) throws IOException {
        if (!needed(e)) {
            return;
        }
        int pass = 0;
        while (true) {
            boolean changed = pass == 0 && Chunks.removeUnused(e);
            if (!e.pendingChunks.isEmpty()) {
                Chunks.writePending(e);
                changed = true;
            }
            if (!e.dataRefs.isEmpty()) {
                ExtentTree.applyData(e, csums);
                changed = true;
            }
            if (!e.pendingAdd.isEmpty() || !e.pendingDel.isEmpty()) {
                ExtentTree.applyMeta(e);
                changed = true;
            }
            changed |= ExtentTree.syncBlockGroups(e);
            changed |= FreeSpaceTree.sync(e);
            changed |= updateRootItems(e);
            if (!changed) {
                break;
            }
            if (++pass > MAX_PASSES) {
                throw new StoreException(StoreException.Kind.IO, "commit bookkeeping did not converge after "
                        + MAX_PASSES + " passes");
            }
        }
        writeBlocks(e);
        e.dev.flush();
        writeSuperblock(e);
        e.dev.flush();
        finish(e);
    }

    /** ROOT_ITEM of every tree whose root block moved (root and chunk trees live in the superblock). */
    private static boolean updateRootItems(Engine e) {
        boolean changed = false;
        BTree rootTree = e.tree(ObjectIds.ROOT_TREE);
        for (Map.Entry<Long, BTree> t : e.trees.entrySet()) {
            long id = t.getKey();
            BTree tree = t.getValue();
            if (id == ObjectIds.ROOT_TREE || id == ObjectIds.CHUNK_TREE || !tree.rootChanged()) {
                continue;
            }
            tree.clearRootChanged();
            Key k = new Key(id, ItemType.ROOT_ITEM, 0);
            byte[] old = rootTree.get(k);
            if (old == null) {
                throw new StoreException(StoreException.Kind.CORRUPT, "root tree has no ROOT_ITEM for tree " + id);
            }
            byte[] v = java.util.Arrays.copyOf(old, Math.max(old.length, RootItem.SIZE));
            RootItem.set(v, tree.rootBytenr(), tree.rootGen(), tree.rootLevel(), id == ObjectIds.FS_TREE ? e.transid : -1);
            rootTree.put(k, v);
            changed = true;
        }
        return changed;
    }

    private static void writeBlocks(Engine e) throws IOException {
        for (Block b : e.dirty.values()) {
            byte[] raw = b.encode(e.nodesize, e.fsid, e.chunkTreeUuid);
            e.writeLogical(b.bytenr, raw, 0, raw.length);
        }
    }

    private static void writeSuperblock(Engine e) throws IOException {
        Superblock sb = e.sb.copy();
        BTree root = e.tree(ObjectIds.ROOT_TREE);
        BTree chunk = e.tree(ObjectIds.CHUNK_TREE);
        sb.set(Superblock.GENERATION, e.transid);
        sb.set(Superblock.ROOT, root.rootBytenr());
        sb.b[Superblock.ROOT_LEVEL] = (byte) root.rootLevel();
        sb.set(Superblock.CHUNK_ROOT, chunk.rootBytenr());
        sb.b[Superblock.CHUNK_ROOT_LEVEL] = (byte) chunk.rootLevel();
        sb.set(Superblock.CHUNK_ROOT_GEN, chunk.rootGen());
        long used = 0;
        for (BlockGroup g : e.groups.values()) {
            used += g.used.total();
        }
        sb.set(Superblock.BYTES_USED, used);
        sb.set(Superblock.UUID_TREE_GEN, e.transid);
        byte[] dev = chunk.get(new Key(1, ItemType.DEV_ITEM, 1));
        if (dev != null && dev.length >= 98) {
            System.arraycopy(dev, 0, sb.b, Superblock.DEV_ITEM, 98);
        }
        BTree ext = e.tree(ObjectIds.EXTENT_TREE);
        BTree fs = e.tree(ObjectIds.FS_TREE);
        BTree dv = e.tree(ObjectIds.DEV_TREE);
        BTree cs = e.tree(ObjectIds.CSUM_TREE);
        sb.writeBackupRoots(new long[] {root.rootBytenr(), root.rootGen(), chunk.rootBytenr(), chunk.rootGen(),
            ext.rootBytenr(), ext.rootGen(), fs.rootBytenr(), fs.rootGen(), dv.rootBytenr(), dv.rootGen(),
            cs.rootBytenr(), cs.rootGen()}, new int[] {root.rootLevel(), chunk.rootLevel(), ext.rootLevel(),
            fs.rootLevel(), dv.rootLevel(), cs.rootLevel()}, sb.totalBytes(), used);
        long devSize = e.dev.size();
        for (long off : Superblock.MIRRORS) {
            if (off + Superblock.SIZE <= devSize) {
                sb.seal(off);
                e.dev.write(off, sb.b, 0, Superblock.SIZE);
            }
        }
        sb.seal(Superblock.PRIMARY_OFFSET);
        e.sb = sb;
    }

    private static void finish(Engine e) {
        e.retireDirty();
        for (BlockGroup g : e.groups.values()) {
            for (long[] r : e.pinned.within(g.start(), g.end())) {
                g.avail.add(r[0], r[1]);
            }
        }
        e.pinned.remove(0, Long.MAX_VALUE);
        e.newData.clear();
        e.transid++;
    }
}
