package io.crfs.volume;

import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import java.io.IOException;
import java.util.List;

/**
 * The fs tree of a local volume as an {@link ItemStore}. Item edits go straight into the
 * running transaction; EXTENT_DATA items are the data operations' alone (they carry disk
 * addresses, which only the volume may write). An unexpected failure in the middle of an edit
 * leaves the in-memory transaction untrustworthy, so the store then refuses further edits and
 * commits (the volume stays at its last commit), like the kernel's forced read-only mode;
 * except that a group of edits run by {@link #atomically} right after a commit (it commits first
 * when space is short) is undone by going back to that commit, and the store stays writable.
 *
 * <p>Space: edits that add items must leave a reserve for edits that remove them (rm on a full
 * volume), and every edit room for the commit after it; see {@link #checkSpace}.
 */
final class FsStore implements ItemStore {
    /** Below this much free metadata space a new metadata chunk is allocated. */
    static final long META_LOW = 8L << 20;
    /** The least metadata space kept for a commit (more as the transaction grows). */
    static final long META_MIN = 1L << 20;
    /** A batch whose data would leave less than this free first commits what is pending. */
    static final long DATA_SLACK = 16L << 20;
    /** Metadata space beyond a large batch's estimate below which the store says it is short. */
    static final long SHORT_SLACK = 16L << 20;

    private final Volume volume;

    private Engine e;
    private BTree fs;
    private FileData data;
    private long nextInode = -1;
    private String failure;

    FsStore(Volume volume, Engine e, Csums csums, BTree fs) {
        this.volume = volume;
        this.e = e;
        this.fs = fs;
        this.data = new FileData(e, csums, fs);
    }

    FileData data() {
        return data;
    }

    long pendingDataBytes() {
        return data.bytesWritten;
    }

    void committed() {
        data.bytesWritten = 0;
    }

    private void writable() {
        volume.checkOpen();
        if (failure != null) {
            throw new StoreException(StoreException.Kind.READ_ONLY, "the volume refuses changes after an internal error ("
                    + failure + "); reopen it to continue from the last commit");
        }
    }

    String failure() {
        return failure;
    }

    private <T> T edit(java.util.function.Supplier<T> op) {
        writable();
        try {
            return op.get();
        } catch (StoreException x) {
            if (x.kind() != StoreException.Kind.STALE) {
                failure = x.getMessage();
            }
            throw x;
        } catch (RuntimeException x) {
            failure = x.toString();
            throw x;
        }
    }

    private static void checkKey(Key k) {
        if (k.type() == ItemType.EXTENT_DATA) {
            throw new IllegalArgumentException("EXTENT_DATA items are written by the data operations only: " + k);
        }
    }

    @Override
    public byte[] get(Key key) {
        volume.checkOpen();
        byte[] v = fs.get(key);
        return v == null ? null : v.clone(); // tree blocks share their arrays; a caller's edit must not reach them
    }

    @Override
    public List<Item> scan(Key min, Key max, int limit) {
        volume.checkOpen();
        return fs.scan(min, max, limit);
    }

    @Override
    public List<Item> scanBackward(Key min, Key max, int limit) {
        volume.checkOpen();
        return fs.scanBackward(min, max, limit);
    }

    @Override
    public void put(Key key, byte[] value) {
        checkKey(key);
        if (value.length > fs.maxItemSize()) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "item " + key + " of " + value.length
                    + " bytes exceeds the maximum of " + fs.maxItemSize());
        }
        edit(() -> {
            fs.put(key, value);
            return null;
        });
    }

    @Override
    public boolean delete(Key key) {
        checkKey(key);
        return edit(() -> fs.delete(key));
    }

    @Override
    public byte[] read(long ino, long offset, int length) {
        volume.checkOpen();
        return data.read(ino, offset, length);
    }

    @Override
    public void readInto(long ino, long offset, byte[] dst, int at, int length) {
        volume.checkOpen();
        data.readInto(ino, offset, dst, at, length);
    }

    @Override
    public void readInto(long ino, long offset, java.lang.foreign.MemorySegment dst, int length) {
        volume.checkOpen();
        data.readInto(ino, offset, dst, 0, length);
    }

    @Override
    public void write(long ino, long offset, byte[] src, int from, int length) {
        checkSize(offset, length);
        edit(() -> {
            data.write(ino, offset, src, from, length);
            return null;
        });
    }

    private static void checkSize(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length < 0) {
            throw new StoreException(StoreException.Kind.TOO_BIG, "range " + offset + "+" + length
                    + " is beyond the largest file size");
        }
    }

    @Override
    public void truncate(long ino, long newSize) {
        checkSize(newSize, 0);
        edit(() -> {
            data.truncate(ino, newSize);
            return null;
        });
    }

    @Override
    public void punchHole(long ino, long offset, long length) {
        checkSize(offset, length);
        edit(() -> {
            data.punchHole(ino, offset, length);
            return null;
        });
    }

    @Override
    public void allocate(long ino, long offset, long length, boolean keepSize) {
        checkSize(offset, length);
        // callers check space before the operation (PosixFs, the server's batches): a check here,
        // inside a group of edits, could commit half of it
        edit(() -> {
            data.allocate(ino, offset, length, keepSize);
            return null;
        });
    }

    @Override
    public void cloneRange(long src, long srcOff, long dst, long dstOff, long length) {
        checkSize(srcOff, length);
        checkSize(dstOff, length);
        edit(() -> {
            data.cloneRange(src, srcOff, dst, dstOff, length);
            return null;
        });
    }

    @Override
    public void dropData(long ino) {
        edit(() -> {
            data.dropData(ino);
            return null;
        });
    }

    @Override
    public long seekData(long ino, long offset) {
        volume.checkOpen();
        return data.seekData(ino, offset);
    }

    @Override
    public long seekHole(long ino, long offset) {
        volume.checkOpen();
        return data.seekHole(ino, offset);
    }

    @Override
    public long allocateInode() {
        if (nextInode < 0) {
            List<Item> last = fs.scanBackward(Key.first(ObjectIds.FIRST_FREE), Key.last(ObjectIds.LAST_FREE - 1), 1);
            nextInode = last.isEmpty() ? ObjectIds.FIRST_FREE + 1 : last.get(0).key().objectid() + 1;
        }
        if (!ObjectIds.isInode(nextInode)) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "inode numbers are exhausted");
        }
        return nextInode++;
    }

    @Override
    public long transid() {
        return e.transid;
    }

    @Override
    public SpaceInfo space() {
        return new SpaceInfo(e.sb.totalBytes(), e.dataAvail() + Chunks.unallocated(e), e.sectorsize, 0, 0);
    }

    /**
     * Makes sure an operation that writes about {@code dataBytes} of data and about
     * {@code itemBytes} of items (0 or less for one that removes more than it adds) can finish,
     * with room left for the commit that follows: allocates metadata chunks while it still
     * can, commits to release pinned space if that is what it takes, and refuses with NO_SPACE
     * before anything is edited otherwise.
     */
    @Override
    public void checkSpace(long dataBytes, long itemBytes) {
        writable();
        long metaNeed = metaNeed(itemBytes);
        growMetadata(metaNeed);
        long dataFree = dataFree(dataBytes);
        if ((e.metadataAvail() < metaNeed || dataFree < dataBytes) && (!e.pinned.isEmpty() || !Chunks.unused(e).isEmpty())) {
            sync(); // pinned space comes back at commit, and empty block groups give their device space back
            if (e.metadataAvail() < metaNeed + META_LOW && !Chunks.unused(e).isEmpty()) {
                sync(); // groups whose last extents the first commit released go at this one
            }
            growMetadata(metaNeed);
            dataFree = dataFree(dataBytes);
        }
        if (e.metadataAvail() < metaNeed) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "the volume's metadata space is full ("
                    + e.metadataAvail() + " bytes free, " + metaNeed + " needed)");
        }
        if (dataFree < dataBytes) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "the volume has "
                    + dataFree + " bytes free, " + dataBytes + " needed");
        }
    }

    private void growMetadata(long metaNeed) {
        while (e.metadataAvail() < metaNeed + META_LOW && Chunks.allocate(e, Chunk.TYPE_METADATA)) {
            // each new chunk is usable at once
        }
    }

    /** Data space free now or in chunks still to allocate; not counted (MAX_VALUE) for no data. */
    private long dataFree(long dataBytes) {
        return dataBytes > 0 ? e.dataAvail() + Chunks.unallocated(e) : Long.MAX_VALUE;
    }

    /**
     * Metadata an edit of {@code itemBytes} may take: the items twice over (leaves split and are
     * copied on write), a few paths of new blocks, and the reserve the next commit needs to
     * record every dirty block in the extent and free-space trees.
     */
    private long metaNeed(long itemBytes) {
        long grow = itemBytes > 0 ? freeingReserve() + 2 * itemBytes : 0;
        return commitReserve() + grow + 16L * e.nodesize;
    }

    /**
     * Metadata kept back from edits that add items, so that edits that remove them (rm on a
     * full volume) can still copy their leaves on write: a thirty-second of the metadata
     * chunks, from 2 MiB to 64 MiB.
     */
    private long freeingReserve() {
        long total = 0;
        for (BlockGroup g : e.groups.values()) {
            if (g.chunk.isMetadata()) {
                total += g.chunk.length();
            }
        }
        return Math.max(2L << 20, Math.min(64L << 20, total / 32));
    }

    /**
     * Metadata the commit of the running transaction may allocate: extent-tree and free-space
     * records for every new and freed tree block (measured at well under a sixteenth of a block
     * each), data extent items and checksums for the data written.
     */
    private long commitReserve() {
        long blocks = (long) e.dirty.size() + e.pendingAdd.size() + e.pendingDel.size();
        return META_MIN + blocks * (e.nodesize / 8) + data.bytesWritten / 512;
    }

    /**
     * Runs an edit that must apply whole or not at all (a client's batch). When space is short
     * the running transaction is committed first, so that if the edit still runs out of space
     * half-way, or leaves too little for its commit, the volume can go back to that commit and
     * stay writable, losing nothing but the edit itself. Away from full, a failure half-way
     * leaves the store read-only (see the class comment).
     */
    @Override
    public <T> T atomically(long dataBytes, long itemBytes, int itemEdits, java.util.function.Supplier<T> body) {
        checkSpace(dataBytes, itemBytes);
        if (volume.pendingBytes() > 0 && mightNotFit(dataBytes, itemBytes, itemEdits)) {
            sync(); // a savepoint
        }
        boolean clean = volume.pendingBytes() == 0; // nothing to lose by going back to the last commit
        T result;
        try {
            result = body.get();
        } catch (RuntimeException x) {
            if (failure == null || !clean) {
                throw x; // refused before editing (a caller's check), or nothing to go back to
            }
            throw rollback(failure, x instanceof StoreException s ? s : new StoreException(StoreException.Kind.IO, failure, x));
        }
        // an edit that grew the trees must leave the space held back for removals, and every
        // edit room for its commit
        long keep = commitReserve() + (itemBytes > 0 ? freeingReserve() : 0);
        if (e.metadataAvail() < keep) {
            StoreException full = new StoreException(StoreException.Kind.NO_SPACE, "the volume's metadata space "
                    + "is full (" + e.metadataAvail() + " bytes would be left, " + keep + " must be)");
            if (clean) {
                throw rollback(full.getMessage(), full);
            }
            org.slf4j.LoggerFactory.getLogger(FsStore.class).warn("{}; committing at once", full.getMessage());
            sync();
        }
        return result;
    }

    private StoreException rollback(String why, StoreException x) {
        try {
            volume.rollback();
        } catch (IOException | RuntimeException r) {
            x.addSuppressed(r);
            return x;
        }
        org.slf4j.LoggerFactory.getLogger(FsStore.class).debug("an edit failed half-way ({}); the volume went "
                + "back to generation {} and stays writable", why, volume.generation());
        return x;
    }

    /**
     * Whether a group of edits might not fit in the space left, counting chunks still to be
     * allocated: its estimate, plus every leaf it edits copied on write (at most the blocks
     * the trees have), plus a path of new nodes; or its data within {@link #DATA_SLACK} of full.
     */
    private boolean mightNotFit(long dataBytes, long itemBytes, int itemEdits) {
        long need = metaNeed(itemBytes);
        long metaAvail = e.metadataAvail();
        long dataAvail = e.dataAvail();
        if (metaAvail >= need + (itemEdits + 16L) * e.nodesize && (dataBytes == 0 || dataAvail >= dataBytes + DATA_SLACK)) {
            return false; // far from full, the usual case: no walk over the chunks
        }
        long unallocated = Chunks.unallocated(e); // new metadata chunks (two copies) may come from it
        long blocks = 0;
        for (BlockGroup g : e.groups.values()) {
            if (g.chunk.isMetadata()) {
                blocks += g.used.total() / e.nodesize;
            }
        }
        long cow = (Math.min(itemEdits, blocks) + 16) * e.nodesize;
        return metaAvail + unallocated / 2 < need + cow
                || dataBytes > 0 && dataAvail + unallocated < dataBytes + DATA_SLACK;
    }

    /**
     * Nearly full: less metadata space is left (counting chunks still to allocate) than a
     * client's largest batch (1 MiB of items) needs plus {@link #SHORT_SLACK}, or less data
     * space than 64 MiB. Not the worst case {@link #atomically} guards against (every edit in
     * another leaf): that would call a volume whose chunks fill the device "short" long before
     * it is, and clients would send one operation at a time for nothing.
     */
    @Override
    public boolean spaceShort() {
        long metaWant = metaNeed(1L << 20) + SHORT_SLACK;
        long metaAvail = e.metadataAvail();
        long dataAvail = e.dataAvail();
        if (metaAvail >= metaWant && dataAvail >= 4 * DATA_SLACK) {
            return false; // asked after every batch: no walk over the chunks while far from full
        }
        long unallocated = Chunks.unallocated(e);
        return metaAvail + unallocated / 2 < metaWant || dataAvail + unallocated < 4 * DATA_SLACK;
    }

    /** The store's running transaction was dropped: work on the volume as last committed. */
    void reopened(Engine fresh, Csums csums) {
        this.e = fresh;
        this.fs = fresh.tree(ObjectIds.FS_TREE);
        this.data = new FileData(fresh, csums, fs);
        this.failure = null;
    }

    @Override
    public void sync() {
        writable();
        try {
            volume.commit();
            committed();
        } catch (IOException x) {
            failure = x.getMessage();
            throw new StoreException(StoreException.Kind.IO, x.getMessage(), x);
        }
    }
}
