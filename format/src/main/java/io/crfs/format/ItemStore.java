package io.crfs.format;

import java.util.List;

/**
 * What the POSIX layer runs on: the items of one fs tree plus its file data. Implemented by the
 * local volume (a transaction over the real btrfs fs tree) and by the networked client (items
 * cached under grants). Implementations are not thread-safe; callers serialise access.
 *
 * <p>Item operations see the caller's own uncommitted edits. File data is never written as item
 * edits: regular extents point at disk space, which only the store may allocate. The data
 * operations therefore own the EXTENT_DATA items of an inode, and the {@code size} and
 * {@code nbytes} fields of its INODE_ITEM; everything else in the inode item (times, mode,
 * links) is the caller's.
 */
public interface ItemStore {
    /** The payload of the item with exactly this key, or null; a copy the caller may change. */
    byte[] get(Key key);

    /** Items with min &lt;= key &lt;= max in key order, at most {@code limit} of them. */
    List<Item> scan(Key min, Key max, int limit);

    /** Items with key &lt;= max, greatest first, at most {@code limit} (a backward scan from max). */
    List<Item> scanBackward(Key min, Key max, int limit);

    /** Inserts or replaces. */
    void put(Key key, byte[] value);

    /** Deletes the item if present; returns whether it was. */
    boolean delete(Key key);

    /**
     * Reads file bytes [offset, offset + length) into a new array; holes read as zeros. The
     * caller clips the range to the inode's size.
     */
    byte[] read(long ino, long offset, int length);

    /**
     * Like {@link #read(long, long, int)}, into {@code dst} at {@code at}: the same bytes, without
     * an intermediate array where the store can avoid one.
     */
    default void readInto(long ino, long offset, byte[] dst, int at, int length) {
        System.arraycopy(read(ino, offset, length), 0, dst, at, length);
    }

    /**
     * Like {@link #readInto(long, long, byte[], int, int)}, into the first {@code length} bytes of
     * {@code dst}, which may be native memory (a FUSE reply buffer, say).
     */
    default void readInto(long ino, long offset, java.lang.foreign.MemorySegment dst, int length) {
        java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(read(ino, offset, length)), 0,
            dst, 0, length);
    }

    /**
     * Writes file bytes at offset, extending {@code size} if the write ends past it, and keeps
     * {@code nbytes} true. Small files starting at offset 0 may be stored inline. The store keeps
     * no reference to {@code data}: the caller may reuse it once this returns.
     */
    void write(long ino, long offset, byte[] data, int from, int length);

    /**
     * Sets the file size. Shrinking drops or trims extents past the new end (the bytes past it
     * read as zeros if the file grows again); growing leaves a hole.
     */
    void truncate(long ino, long newSize);

    /** Turns [offset, offset + length) into a hole without changing the size. */
    void punchHole(long ino, long offset, long length);

    /**
     * Ensures [offset, offset + length) is backed by allocated space (fallocate mode 0), extending
     * the size unless {@code keepSize}. Space that is already allocated keeps its contents.
     */
    void allocate(long ino, long offset, long length, boolean keepSize);

    /** Frees everything of an inode's data (its extents); used when an inode is deleted. */
    void dropData(long ino);

    /** Sector size for {@link #cloneRange}: ranges it shares start and end on multiples of it. */
    int CLONE_ALIGN = 4096;

    /**
     * copy_file_range within the store: bytes [srcOff, srcOff + length) of regular file
     * {@code src} become bytes [dstOff, dstOff + length) of regular file {@code dst}, growing
     * its size if they end past it; holes stay holes. Offsets and length are multiples of
     * {@link #CLONE_ALIGN}, the source range lies within the source's size, and if
     * {@code src == dst} the ranges do not overlap. A store on btrfs shares the extents (a
     * reflink: no data is copied, and the copy takes no data space), as btrfs's own
     * copy_file_range does; this default punches the destination range and copies the source's
     * data regions into it.
     */
    default void cloneRange(long src, long srcOff, long dst, long dstOff, long length) {
        long end = srcOff + length;
        punchHole(dst, dstOff, length);
        for (long at = srcOff; at < end; ) {
            long data = seekData(src, at);
            if (data < 0 || data >= end) {
                break;
            }
            long hole = Math.min(seekHole(src, data), end);
            for (long p = data; p < hole; ) {
                int n = (int) Math.min(1 << 20, hole - p);
                write(dst, dstOff + (p - srcOff), read(src, p, n), 0, n);
                p += n;
            }
            at = hole;
        }
        byte[] inode = get(new Key(dst, ItemType.INODE_ITEM, 0));
        if (inode != null && new InodeItem(inode).size() < dstOff + length) {
            truncate(dst, dstOff + length);
        }
    }

    /** The next offset &gt;= offset that is data (SEEK_DATA), or -1 if none before the end. */
    long seekData(long ino, long offset);

    /** The next offset &gt;= offset that is a hole (SEEK_HOLE); the size if none before it. */
    long seekHole(long ino, long offset);

    /** A fresh, never used inode number. */
    long allocateInode();

    /** The transid that edits made now will be committed with (for generation/transid fields). */
    long transid();

    /** Total and free bytes, for statfs. */
    SpaceInfo space();

    /**
     * Runs one POSIX operation. A store may run {@code body} more than once: a networked store
     * stages the edits of an attempt and throws them away when it finds it lacks a grant, gets
     * the grant without holding any lock, and runs the body again; only a completed attempt's
     * edits become visible. The body must therefore have no effects outside the store.
     */
    default <T> T operation(java.util.function.Supplier<T> body) {
        return body.get();
    }

    /**
     * {@link #operation(java.util.function.Supplier)} for a caller that holds {@code outer}
     * around it: while the store waits between attempts (for a grant, which may take as long as
     * another client takes to give it back, or for data from a server) it releases {@code outer},
     * and takes it again before the next attempt, so the caller's other operations go on meanwhile. A store that never
     * waits between attempts needs no more than the one-argument form.
     */
    default <T> T operation(java.util.function.Supplier<T> body, java.util.concurrent.locks.Lock outer) {
        return operation(body);
    }

    /**
     * The caller is about to report an inode's attributes (stat). A store whose {@code nbytes}
     * (and so st_blocks) is only an estimate while data edits are unsent makes it exact here;
     * returns whether the inode item may have changed.
     */
    default boolean settle(long ino) {
        return false;
    }

    /**
     * Called before the first edit of an operation that writes about {@code dataBytes} bytes of
     * file data (0 for metadata only) and about {@code itemBytes} bytes of items (0 or less for an
     * operation that removes more items than it adds: it may use space held back from the
     * others, as rm on a full volume must):
     * throws {@link StoreException} NO_SPACE if the operation might not be able to finish, so
     * that it fails before changing anything.
     */
    default void checkSpace(long dataBytes, long itemBytes) {}

    /**
     * Checks space as {@link #checkSpace} does, then runs {@code body}, a group of edits that
     * belong together (a client's batch) and edit about {@code itemEdits} items. A store that can
     * undo a group that fails half-way does so; the default only checks.
     */
    default <T> T atomically(long dataBytes, long itemBytes, int itemEdits, java.util.function.Supplier<T> body) {
        checkSpace(dataBytes, itemBytes);
        return body.get();
    }

    /**
     * Whether the store is nearly full, so that a writer who batches edits should send those
     * that need space one operation at a time, to learn at once which one does not fit.
     */
    default boolean spaceShort() {
        return false;
    }

    /**
     * Inode {@code ino} got its first open file description here ({@code open}) or lost its last.
     * A store shared with other clients tells them, so that their removal of its last name leaves
     * it an orphan instead of deleting it. Called inside the operation that opens or closes it.
     */
    default void opened(long ino, boolean open) {}

    /**
     * Whether another client of a shared store has inode {@code ino} open, so that removing its
     * last name must leave it an orphan, and our last close must leave it to them. Called inside
     * an operation that edits the inode (a store may need it held for writing to know).
     */
    default boolean openElsewhere(long ino) {
        return false;
    }

    /** Makes every edit so far durable (fsync / sync). */
    void sync();

    /**
     * {@link #sync()} for a caller that holds {@code outer} around it: a store that waits for
     * its edits to become durable elsewhere (a server's commit) may release {@code outer} while
     * it waits, and takes it again before it returns, so the caller's other operations go on.
     */
    default void sync(java.util.concurrent.locks.Lock outer) {
        sync();
    }

    /**
     * The latest failure that lost edits of {@code objectid} the store had acknowledged (a store
     * that writes back later may lose them: no space, a lost server), or null. Failures are
     * numbered in the order they happen, so that each open file can be told of each one once,
     * at its next fsync or close, as Linux tells every file description of a failed write-back.
     */
    default LostEdits lostEdits(long objectid) {
        return null;
    }

    /** A failure that lost acknowledged edits: its number in the store ({@code seq} > 0) and why. */
    record LostEdits(long seq, StoreException why) {}

    /** Sizes for statfs. */
    record SpaceInfo(long totalBytes, long freeBytes, int blockSize, long files, long freeFiles) {}
}
