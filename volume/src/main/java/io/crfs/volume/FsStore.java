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
 * commits (the volume stays at its last commit), like the kernel's forced read-only mode.
 */
final class FsStore implements ItemStore {
    /** Below this much free metadata space a new metadata chunk is allocated. */
    static final long META_LOW = 8L << 20;
    /** Below this an operation is refused with ENOSPC before it edits anything. */
    static final long META_MIN = 1L << 20;

    private final Volume volume;
    private final Engine e;
    private final BTree fs;
    private final FileData data;
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
        writable();
        // refusing for lack of space happens before anything is edited, so it does not poison the store
        checkSpace(length);
        edit(() -> {
            data.allocate(ino, offset, length, keepSize);
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
     * Makes sure an operation that writes about {@code dataBytes} of data can finish: allocates
     * chunks while it is still safe to, commits to release pinned space if that is what it
     * takes, and refuses with NO_SPACE before anything is edited otherwise.
     */
    @Override
    public void checkSpace(long dataBytes) {
        writable();
        if (e.metadataAvail() < META_LOW) {
            Chunks.allocate(e, Chunk.TYPE_METADATA);
        }
        long dataFree = dataBytes > 0 ? e.dataAvail() + Chunks.unallocated(e) : Long.MAX_VALUE;
        if ((e.metadataAvail() < META_MIN || dataFree < dataBytes) && !e.pinned.isEmpty()) {
            sync(); // pinned space comes back at commit
            dataFree = dataBytes > 0 ? e.dataAvail() + Chunks.unallocated(e) : Long.MAX_VALUE;
        }
        if (e.metadataAvail() < META_MIN) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "the volume's metadata space is full");
        }
        if (dataFree < dataBytes) {
            throw new StoreException(StoreException.Kind.NO_SPACE, "the volume has "
                    + dataFree + " bytes free, " + dataBytes + " needed");
        }
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
