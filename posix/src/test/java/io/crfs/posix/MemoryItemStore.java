package io.crfs.posix;

import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@link ItemStore} over a {@code TreeMap<Key, byte[]>} with data semantics shaped like the
 * kernel's (btrfs-format.md 7.6, 9.11): a file of at most {@link #MAX_INLINE} bytes with no
 * regular extents is one inline extent at offset 0; anything else is copy-on-write,
 * sector-granular regular extents (bookends kept after trims), prealloc extents for fallocate;
 * the extents' bytes live in memory under fake disk_bytenrs. size and nbytes are kept in the
 * INODE_ITEM as the interface requires. {@link #commit()} starts the next transid.
 */
public class MemoryItemStore implements ItemStore {
    public static final int SECTOR = 4096;
    public static final int MAX_INLINE = 2048;
    public static final long MAX_EXTENT = 128L << 20;

    private final TreeMap<Key, byte[]> items = new TreeMap<>();
    private final MemoryFileData files;
    private long transid = 7;
    private long lastIno = ObjectIds.FIRST_FREE;

    public MemoryItemStore() {
        this(1L << 30);
    }

    /** A store whose data space is {@code capacity} bytes (NO_SPACE past it). */
    public MemoryItemStore(long capacity) {
        this.files = new MemoryFileData(items, () -> transid, capacity);
    }

    /** Ends the running transaction: later edits carry the next transid. */
    public void commit() {
        transid++;
    }

    /**
     * A new store over a copy of this one's state, as after a restart: the same items and data,
     * the next transid, and an inode allocator that starts again from the largest objectid.
     */
    public MemoryItemStore reopen() {
        MemoryItemStore s = new MemoryItemStore(files.capacity);
        s.items.putAll(items);
        s.files.copyFrom(files);
        s.transid = transid + 1;
        return s;
    }

    /** Every item, in key order (for debugging and item-shape assertions). */
    public List<Item> allItems() {
        return scan(Key.MIN, Key.MAX, Integer.MAX_VALUE);
    }

    @Override
    public byte[] get(Key key) {
        byte[] b = items.get(key);
        return b == null ? null : b.clone();
    }

    @Override
    public List<Item> scan(Key min, Key max, int limit) {
        List<Item> out = new ArrayList<>();
        if (min.compareTo(max) > 0) {
            return out;
        }
        for (Map.Entry<Key, byte[]> e : items.subMap(min, true, max, true).entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new Item(e.getKey(), e.getValue().clone()));
        }
        return out;
    }

    @Override
    public List<Item> scanBackward(Key min, Key max, int limit) {
        List<Item> out = new ArrayList<>();
        if (min.compareTo(max) > 0) {
            return out;
        }
        for (Map.Entry<Key, byte[]> e : items.subMap(min, true, max, true).descendingMap().entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new Item(e.getKey(), e.getValue().clone()));
        }
        return out;
    }

    @Override
    public void put(Key key, byte[] value) {
        items.put(key, value.clone());
    }

    @Override
    public boolean delete(Key key) {
        return items.remove(key) != null;
    }

    // ---- file data: MemoryFileData owns the EXTENT_DATA items ----

    @Override
    public byte[] read(long ino, long offset, int length) {
        return files.read(ino, offset, length);
    }

    @Override
    public void write(long ino, long offset, byte[] src, int from, int length) {
        files.write(ino, offset, src, from, length);
    }

    @Override
    public void truncate(long ino, long newSize) {
        files.truncate(ino, newSize);
    }

    @Override
    public void punchHole(long ino, long offset, long length) {
        files.punchHole(ino, offset, length);
    }

    @Override
    public void allocate(long ino, long offset, long length, boolean keepSize) {
        files.allocate(ino, offset, length, keepSize);
    }

    @Override
    public void dropData(long ino) {
        files.dropData(ino);
    }

    @Override
    public long seekData(long ino, long offset) {
        return files.seekData(ino, offset);
    }

    @Override
    public long seekHole(long ino, long offset) {
        return files.seekHole(ino, offset);
    }

    @Override
    public long allocateInode() {
        Key below = items.lowerKey(new Key(ObjectIds.LAST_FREE, 0, 0));
        long largest = below == null ? ObjectIds.FIRST_FREE : below.objectid();
        if (Long.compareUnsigned(largest, lastIno) > 0) {
            lastIno = largest;
        }
        return ++lastIno;
    }

    @Override
    public long transid() {
        return transid;
    }

    @Override
    public SpaceInfo space() {
        long free = files.capacity - files.used;
        return new SpaceInfo(files.capacity, free, SECTOR, files.capacity / SECTOR, free / SECTOR);
    }

    @Override
    public void sync() {
        // Nothing to make durable: everything lives in memory.
    }
}
