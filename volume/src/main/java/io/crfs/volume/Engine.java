package io.crfs.volume;

import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of an open volume and its running transaction: block reading (verified, cached,
 * falling back to the second DUP copy), copy-on-write and allocation of tree blocks, and
 * allocation of data space. Commit lives in {@link Commit}.
 */
final class Engine implements BlockStore {
    static final int CACHE_BLOCKS = 8192;

    final BlockDevice dev;
    Superblock sb;
    final ChunkMap chunks = new ChunkMap();
    final TreeMap<Long, BlockGroup> groups = new TreeMap<>();
    final int nodesize;
    final int sectorsize;
    final byte[] fsid;
    byte[] chunkTreeUuid = new byte[16];
    final Map<Long, BTree> trees = new HashMap<>();
    long transid;

    final Map<Long, Block> dirty = new LinkedHashMap<>();
    /** New blocks whose METADATA_ITEM is not yet in the extent tree: bytenr -> {level, owner}. */
    final Map<Long, long[]> pendingAdd = new HashMap<>();
    /** Blocks whose METADATA_ITEM must leave the extent tree: bytenr -> {level, owner}. */
    final Map<Long, long[]> pendingDel = new HashMap<>();
    /** Freed in this transaction, reusable once it commits. */
    final RangeSet pinned = new RangeSet();
    final DataRefs dataRefs = new DataRefs();
    /** Data extents allocated in this transaction: bytenr -> length. */
    final Map<Long, Long> newData = new HashMap<>();
    /** Chunks allocated in this transaction whose items the commit must write. */
    final java.util.List<Chunk> pendingChunks = new java.util.ArrayList<>();

    private final LinkedHashMap<Long, Block> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Block> e) {
            return size() > CACHE_BLOCKS;
        }
    };

    Engine(BlockDevice dev, Superblock sb) {
        this.dev = dev;
        this.sb = sb;
        this.nodesize = sb.nodesize();
        this.sectorsize = sb.sectorsize();
        this.fsid = sb.fsid();
        this.transid = sb.generation() + 1;
    }

    @Override
    public long transid() {
        return transid;
    }

    @Override
    public int nodesize() {
        return nodesize;
    }

    BTree tree(long id) {
        BTree t = trees.get(id);
        if (t == null) {
            throw new StoreException(StoreException.Kind.CORRUPT, "the volume has no tree " + id);
        }
        return t;
    }

    // ------------------------------------------------------------------ reading

    @Override
    public Block read(long bytenr, long expectGen, int expectLevel, long owner) {
        Block b = dirty.get(bytenr);
        if (b == null) {
            b = cache.get(bytenr);
        }
        if (b == null) {
            b = readFromDisk(bytenr, expectGen, expectLevel);
            cache.put(bytenr, b);
        }
        if (b.generation != expectGen && expectGen != -1) {
            throw corrupt(bytenr, "parent transid verify failed: wanted " + expectGen + ", found " + b.generation);
        }
        if (expectLevel != -1 && b.level != expectLevel) {
            throw corrupt(bytenr, "level " + b.level + ", expected " + expectLevel);
        }
        if (owner != -1 && b.owner != owner) {
            throw corrupt(bytenr, "owner " + b.owner + ", expected tree " + owner);
        }
        return b;
    }

    private Block readFromDisk(long bytenr, long expectGen, int expectLevel) {
        long[] phys;
        try {
            phys = chunks.physical(bytenr, nodesize);
        } catch (VolumeException e) {
            throw corrupt(bytenr, "block address is not mapped by any chunk");
        }
        CorruptVolumeException first = null;
        for (long p : phys) {
            byte[] raw = new byte[nodesize];
            try {
                dev.read(p, raw, 0, nodesize);
                return Block.decode(raw, bytenr, fsid, expectGen, expectLevel);
            } catch (CorruptVolumeException e) {
                if (first == null) {
                    first = e;
                }
            } catch (IOException e) {
                throw new StoreException(StoreException.Kind.IO, "reading tree block " + bytenr + " at physical " + p
                        + ": " + e.getMessage(), e);
            }
        }
        throw new StoreException(StoreException.Kind.CORRUPT, first.getMessage()
                + (phys.length > 1 ? " (both DUP copies)" : ""), first);
    }

    static StoreException corrupt(long bytenr, String what) {
        return new StoreException(StoreException.Kind.CORRUPT, "corrupt tree block at logical " + bytenr + ": " + what);
    }

    // ------------------------------------------------------------------ tree blocks

    @Override
    public Block cow(Block b) {
        Block c = b.copy();
        place(c, b.owner);
        freeCommitted(b);
        return c;
    }

    @Override
    public Block allocate(int level, long owner) {
        Block c = new Block(level, 16);
        c.owner = owner;
        place(c, owner);
        return c;
    }

    private void place(Block c, long owner) {
        c.bytenr = allocMeta(owner == ObjectIds.CHUNK_TREE);
        c.generation = transid;
        c.owner = owner;
        c.writable = true;
        dirty.put(c.bytenr, c);
        pendingAdd.put(c.bytenr, new long[] {c.level, owner});
    }

    @Override
    public void free(Block b) {
        if (b.writable) {
            dirty.remove(b.bytenr);
            BlockGroup g = group(b.bytenr);
            g.used.remove(b.bytenr, b.bytenr + nodesize);
            g.fstDirty = true;
            if (pendingAdd.remove(b.bytenr) != null) {
                g.avail.add(b.bytenr, b.bytenr + nodesize); // never committed, never referenced: reuse at once
            } else {
                pendingDel.put(b.bytenr, new long[] {b.level, b.owner});
                pinned.add(b.bytenr, b.bytenr + nodesize);
            }
        } else {
            freeCommitted(b);
        }
    }

    private void freeCommitted(Block b) {
        cache.remove(b.bytenr);
        pendingDel.put(b.bytenr, new long[] {b.level, b.owner});
        BlockGroup g = group(b.bytenr);
        g.used.remove(b.bytenr, b.bytenr + nodesize);
        g.fstDirty = true;
        pinned.add(b.bytenr, b.bytenr + nodesize);
    }

    BlockGroup group(long addr) {
        Map.Entry<Long, BlockGroup> e = groups.floorEntry(addr);
        if (e == null || addr >= e.getValue().end()) {
            throw new StoreException(StoreException.Kind.CORRUPT, "address " + addr + " is in no block group");
        }
        return e.getValue();
    }

    private long allocMeta(boolean system) {
        long type = system ? Chunk.TYPE_SYSTEM : Chunk.TYPE_METADATA;
        for (int attempt = 0; attempt < 2; attempt++) {
            for (BlockGroup g : groups.values()) {
                if ((g.chunk.type() & type) != 0 && (g.chunk.type() & Chunk.TYPE_DATA) == 0) {
                    long a = g.findFit(nodesize, nodesize);
                    if (a >= 0) {
                        g.take(a, nodesize);
                        return a;
                    }
                }
            }
            if (system || !Chunks.allocate(this, Chunk.TYPE_METADATA)) {
                break;
            }
        }
        throw new StoreException(StoreException.Kind.NO_SPACE, "no free " + (system ? "system" : "metadata")
                + " space left on the volume");
    }

    /** Free metadata bytes available now in allocated chunks. */
    long metadataAvail() {
        return avail(Chunk::isMetadata);
    }

    /** Free data bytes available now in allocated chunks. */
    long dataAvail() {
        return avail(Chunk::isData);
    }

    private long avail(java.util.function.Predicate<Chunk> kind) {
        long n = 0;
        for (BlockGroup g : groups.values()) {
            if (kind.test(g.chunk)) {
                n += g.avail.total();
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ data space

    /**
     * Allocates up to {@code len} bytes (sector multiple) of data space, contiguous; may return
     * less when the space is fragmented. {start, length}; throws NO_SPACE when nothing is left.
     */
    long[] allocData(long len) {
        for (int attempt = 0; attempt < 2; attempt++) {
            for (BlockGroup g : groups.values()) {
                if (g.chunk.isData()) {
                    long a = g.findFit(len, sectorsize);
                    if (a >= 0) {
                        g.take(a, len);
                        newData.put(a, len);
                        return new long[] {a, len};
                    }
                }
            }
            long[] best = null;
            BlockGroup bg = null;
            for (BlockGroup g : groups.values()) {
                if (g.chunk.isData()) {
                    long[] l = g.largest(sectorsize);
                    if (l != null && (best == null || l[1] > best[1])) {
                        best = l;
                        bg = g;
                    }
                }
            }
            if (best != null && (best[1] >= Math.min(len, 1 << 20) || attempt == 1)) {
                long l = Math.min(best[1], len);
                bg.take(best[0], l);
                newData.put(best[0], l);
                return new long[] {best[0], l};
            }
            if (!Chunks.allocate(this, Chunk.TYPE_DATA)) {
                if (best != null) {
                    long l = Math.min(best[1], len);
                    bg.take(best[0], l);
                    newData.put(best[0], l);
                    return new long[] {best[0], l};
                }
                break;
            }
        }
        throw new StoreException(StoreException.Kind.NO_SPACE, "no free data space left on the volume");
    }

    /** A data extent's last reference is gone: its space returns (at once if never committed). */
    void freeData(long start, long len) {
        BlockGroup g = group(start);
        g.used.remove(start, start + len);
        g.fstDirty = true;
        if (newData.remove(start) != null) {
            g.avail.add(start, start + len);
        } else {
            pinned.add(start, start + len);
        }
    }

    // ------------------------------------------------------------------ raw I/O

    void writeLogical(long logical, byte[] b, int off, int len) throws IOException {
        for (long p : chunks.physical(logical, len)) {
            dev.write(p, b, off, len);
        }
    }

    void readLogical(long logical, byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        readLogical(logical, java.lang.foreign.MemorySegment.ofArray(b), off, len);
    }

    /** Reads [logical, +len) into {@code b} (heap or native memory) at {@code off}, from the first copy. */
    void readLogical(long logical, java.lang.foreign.MemorySegment b, long off, int len) throws IOException {
        long[] p = chunks.physical(logical, len);
        dev.read(p[0], b, off, len);
    }

    /** After a commit: written blocks become immutable committed blocks. */
    void retireDirty() {
        for (Block b : dirty.values()) {
            b.writable = false;
            cache.put(b.bytenr, b);
        }
        dirty.clear();
    }
}
