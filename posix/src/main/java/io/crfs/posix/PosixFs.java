package io.crfs.posix;

import io.crfs.format.FormatException;
import io.crfs.format.ItemStore;
import io.crfs.format.StoreException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * POSIX file system semantics over the items of one btrfs fs tree. Every method is one POSIX
 * operation; it reads and edits items through the {@link ItemStore} and throws
 * {@link PosixException} carrying a Linux errno on failure (all checks run before the first
 * edit, so a refused operation changes nothing). Operations are serialised by this object (it is
 * thread-safe; one lock).
 *
 * <p>Names are raw bytes (Linux names are arbitrary bytes but '/' and NUL). Inode numbers are
 * btrfs objectids; the root directory is 256.
 *
 * <p>Design decisions:
 * <ul>
 *   <li>Items are exactly those the kernel writes (btrfs-format.md 7, 8.2, 9.10), so
 *       {@code btrfs check} and a kernel mount agree with what this class produced.</li>
 *   <li>Permission checks model a Linux VFS with uid 0 holding every capability; the order of
 *       the checks, and so which errno wins, follows the VFS (see {@link Namespace}).</li>
 *   <li>Reads never update atime (as with {@code noatime}): a read must not turn into an item
 *       edit, which under the network design would need a WRITE grant.</li>
 *   <li>Write, fallocate and seek take no permission check: POSIX checks access when a file is
 *       opened, which the front end does with {@link #access} or {@link #create}.</li>
 * </ul>
 */
public final class PosixFs {
    public static final long ROOT = 256;

    // RENAME flags, as in linux/fs.h
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;
    // setxattr flags
    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;
    // fallocate modes
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    // access() masks
    public static final int R_OK = 4, W_OK = 2, X_OK = 1, F_OK = 0;

    private final ReentrantLock lock = new ReentrantLock();
    private final ItemStore store;
    private final Inodes inodes;
    private final Dirs dirs;
    private final Orphans orphans;
    private final Namespace names;
    private final Renamer renamer;
    private final Xattrs xattrs;
    private final FileOps files;
    private final AttrChanges attrs;
    private final Perms perms;

    public PosixFs(ItemStore store) {
        this(store, Clock.systemUTC());
    }

    /** With a clock for the inode times (tests use a fixed or stepping clock). */
    public PosixFs(ItemStore store, Clock clock) {
        this.store = store;
        this.inodes = new Inodes(store, clock);
        this.dirs = new Dirs(store);
        this.orphans = new Orphans(store, inodes);
        Acls acls = new Acls(store);
        this.perms = new Perms(acls);
        this.names = new Namespace(store, inodes, dirs, orphans, perms, acls);
        this.renamer = new Renamer(inodes, dirs, orphans, names, perms);
        this.xattrs = new Xattrs(store, inodes, perms, acls);
        this.files = new FileOps(store, inodes, xattrs, perms);
        this.attrs = new AttrChanges(store, inodes, xattrs, perms, acls);
    }

    /**
     * Runs one operation under the lock, mapping store failures to errnos. The store releases the
     * lock while it waits between attempts (for a grant, or for file data), so one operation
     * waiting for another client or for the server does not hold up the others.
     */
    private <T> T op(Supplier<T> body) {
        lock.lock();
        try {
            // the store may run the body more than once, and releases the lock between attempts:
            // state kept outside the store must follow (an attempt thrown away leaves nothing)
            T result = store.operation(() -> {
                dirs.beginAttempt();
                return body.get();
            }, lock);
            dirs.endOperation();
            return result;
        } catch (StoreException e) {
            throw Inodes.map(e);
        } catch (FormatException e) {
            throw new PosixException(Errno.EIO, "malformed item: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** About what the items of one operation that adds some take (an inode, its name, a ref). */
    private static final long FEW_ITEMS = 512;

    /** The most items one operation edits (a rename over an existing name), for the store's space estimate. */
    private static final int MAX_ITEM_EDITS = 16;

    /**
     * An operation that edits: the store first confirms there is room for it (about
     * {@code dataBytes} of file data plus a few items), so that ENOSPC comes before any edit,
     * and a store that can undo an operation that still runs out half-way does.
     */
    private <T> T edit(long dataBytes, Supplier<T> body) {
        return edit(dataBytes, FEW_ITEMS, body);
    }

    private <T> T edit(long dataBytes, long itemBytes, Supplier<T> body) {
        return op(() -> store.atomically(dataBytes, itemBytes, MAX_ITEM_EDITS + (int) (dataBytes >> 17), body));
    }

    private void edit(Runnable body) {
        edit(0, () -> {
            body.run();
            return null;
        });
    }

    /** An operation that removes items: it may use the space the store keeps back for that. */
    private void remove(Runnable body) {
        edit(0, 0, () -> {
            body.run();
            return null;
        });
    }

    private void run(Runnable body) {
        op(() -> {
            body.run();
            return null;
        });
    }

    /** Creates the root directory's items if the tree has none (a fresh tree); returns false if it existed. */
    public boolean initRoot(int mode, int uid, int gid) { return edit(0, () -> names.initRoot(mode, uid, gid)); }

    public Attr getattr(long ino) {
        return op(() -> {
            store.settle(ino);
            return inodes.attr(ino);
        });
    }

    public Attr lookup(Caller c, long dir, byte[] name) {
        Attr a = find(c, dir, name);
        if (a == null) {
            throw Namespace.notFound(dir, name);
        }
        return a;
    }

    /**
     * {@link #lookup}, but null for a name the directory does not hold (other errors, a
     * directory that cannot be searched among them, are thrown as by lookup). A negative
     * answer is common, so it costs no exception.
     */
    public Attr find(Caller c, long dir, byte[] name) {
        return op(() -> {
            Attr a = names.find(c, dir, name);
            if (a != null && store.settle(a.ino())) {
                return inodes.attr(a.ino());
            }
            return a;
        });
    }
    /** O_CREAT; with {@code exclusive} EEXIST if present, else returns the existing file (after permission checks). */
    public Attr create(Caller c, long dir, byte[] name, int mode, boolean exclusive) {
        return edit(0, () -> names.create(c, dir, name, mode, exclusive));
    }
    /** Regular, fifo, socket, char or block device (type from mode's S_IFMT); rdev is a Linux dev_t. */
    public Attr mknod(Caller c, long dir, byte[] name, int mode, long rdev) { return edit(0, () -> names.mknod(c, dir, name, mode, rdev)); }
    public Attr mkdir(Caller c, long dir, byte[] name, int mode) { return edit(0, () -> names.mkdir(c, dir, name, mode)); }
    public Attr symlink(Caller c, long dir, byte[] name, byte[] target) { return edit(target.length, () -> names.symlink(c, dir, name, target)); }
    public Attr link(Caller c, long ino, long newDir, byte[] newName) { return edit(0, () -> names.link(c, ino, newDir, newName)); }
    public void unlink(Caller c, long dir, byte[] name) { remove(() -> names.unlink(c, dir, name)); }
    public void rmdir(Caller c, long dir, byte[] name) { remove(() -> names.rmdir(c, dir, name)); }
    public void rename(Caller c, long srcDir, byte[] srcName, long dstDir, byte[] dstName, int flags) {
        edit(() -> renamer.rename(c, srcDir, srcName, dstDir, dstName, flags));
    }
    public byte[] readlink(long ino) { return op(() -> files.readlink(ino)); }

    /**
     * Entries after {@code cookie} in DIR_INDEX order (stable offsets); cookie 0 starts at the
     * beginning and includes "." (cookie 1) and ".." (cookie 2); every entry carries the cookie
     * to resume after it (an entry's cookie is its DIR_INDEX + 1).
     */
    public List<DirEntryInfo> readdir(Caller c, long dir, long cookie, int max) {
        return op(() -> {
            perms.require(c, inodes.loadDir(dir), Perms.R, dir);
            return dirs.readdir(dir, cookie, max);
        });
    }

    public int read(long ino, long offset, byte[] dst, int from, int length) {
        return op(() -> files.read(ino, offset, dst, from, length));
    }

    /** Reads into the start of {@code dst} (up to its size, native memory too); returns the bytes read. */
    public int read(long ino, long offset, java.lang.foreign.MemorySegment dst) {
        return op(() -> files.read(ino, offset, dst));
    }
    /** Writes and updates mtime/ctime; clears setuid/setgid when an unprivileged caller writes. */
    public int write(Caller c, long ino, long offset, byte[] src, int from, int length) {
        if (length <= WRITE_PIECE) {
            return edit(length, () -> files.write(c, ino, offset, src, from, length));
        }
        int done = 0; // one operation per piece: a store sends an operation's edits in one message
        while (done < length) {
            int at = done, n = Math.min(WRITE_PIECE, length - done);
            int w = edit(n, () -> files.write(c, ino, offset + at, src, from + at, n));
            done += w;
            if (w < n) {
                break;
            }
        }
        return done;
    }

    /**
     * copy_file_range(2) between two regular files of this file system (flags must be 0):
     * copies up to {@code length} bytes, fewer at the source's end, and returns how many. On btrfs
     * and through crfsd, whole sectors are shared with the source (a reflink, no data moves) when
     * both offsets lie at the same place in a sector. One operation per {@link #COPY_PIECE}.
     */
    public long copyFileRange(Caller c, long in, long inOff, long out, long outOff, long length, int flags) {
        if (flags != 0) {
            throw new PosixException(Errno.EINVAL, "copy_file_range flags 0x" + Integer.toHexString(flags));
        }
        long done = 0;
        while (done < length) {
            long at = done, n = Math.min(COPY_PIECE, length - done), rest = length - done;
            long data = n - FileOps.sectors(inOff + at, outOff + at, n); // the bytes copied, not shared
            long got = edit(data, FEW_ITEMS + (n >> 17) * 128,
                    () -> files.copyRange(c, in, inOff + at, out, outOff + at, n, rest));
            done += got;
            if (got < n) {
                break;
            }
        }
        return done;
    }

    /** The most one copy_file_range operation copies. */
    static final long COPY_PIECE = 64L << 20;

    /** The most one operation writes (a larger write(2) is several, as NFS splits by wsize). */
    static final int WRITE_PIECE = 8 << 20;
    /**
     * An O_APPEND write: at the end of the file as it is now, in the same operation, so that
     * appenders on any client never overwrite each other. Returns the offset written at.
     */
    public long append(Caller c, long ino, byte[] src, int from, int length) {
        if (length > WRITE_PIECE) {
            throw new PosixException(Errno.EFBIG, "an appending write of " + length + " bytes; at most " + WRITE_PIECE
                    + " at once keep appends whole");
        }
        return edit(length, () -> {
            long at = inodes.load(ino).size();
            files.write(c, ino, at, src, from, length);
            return at;
        });
    }
    /** chmod, chown, utimensat and truncate(2) (a size change needs write permission on the inode). */
    public Attr setattr(Caller c, long ino, SetAttr change) { return edit(0, () -> attrs.setattr(c, ino, change, false)); }
    /** ftruncate(2) on a handle opened for writing: the permission was checked at open, as in Linux. */
    public Attr ftruncate(Caller c, long ino, long size) {
        return edit(0, () -> attrs.setattr(c, ino, SetAttr.size(size), true));
    }
    public void fallocate(Caller c, long ino, int mode, long offset, long length) {
        edit((mode & FALLOC_FL_PUNCH_HOLE) != 0 ? 0 : length, () -> {
            files.fallocate(c, ino, mode, offset, length);
            return null;
        });
    }
    public long seekData(long ino, long offset) { return op(() -> files.seekData(ino, offset)); }
    public long seekHole(long ino, long offset) { return op(() -> files.seekHole(ino, offset)); }

    public byte[] getxattr(Caller c, long ino, byte[] name) { return op(() -> xattrs.get(c, ino, name)); }
    /** FS_IOC_GETFLAGS: the file attribute flags of lsattr(1), as FS_*_FL bits ({@link FileFlags}). */
    public int getFlags(long ino) { return op(() -> attrs.flags(ino)); }
    /** FS_IOC_SETFLAGS (chattr): the owner's or root's; only no-dump, no-atime and no-compress may change. */
    public void setFlags(Caller c, long ino, int flags) { edit(() -> attrs.setFlags(c, ino, flags)); }

    public void setxattr(Caller c, long ino, byte[] name, byte[] value, int flags) {
        edit(() -> xattrs.set(c, ino, name, value, flags));
    }
    public List<byte[]> listxattr(Caller c, long ino) { return op(() -> xattrs.list(ino)); }
    public void removexattr(Caller c, long ino, byte[] name) { remove(() -> xattrs.remove(c, ino, name)); }

    public void access(Caller c, long ino, int mask) { run(() -> files.access(c, ino, mask)); }

    public StatFs statfs() {
        return op(() -> {
            ItemStore.SpaceInfo s = store.space();
            int bs = s.blockSize();
            long free = s.freeBytes() / bs;
            return new StatFs(bs, s.totalBytes() / bs, free, free, s.files(), s.freeFiles(), Names.NAME_MAX);
        });
    }

    /** An open file handle was created; unlinked-while-open files live until the last release. */
    public void open(long ino) { run(() -> orphans.open(ino)); }

    /**
     * open(2) with O_TMPFILE in {@code dir}: makes a regular file with no name and opens it (one
     * {@link #release} to pair); {@link #link} may name it while it is open, else its last
     * release deletes it.
     */
    public Attr tmpfile(Caller c, long dir, int mode) {
        return edit(0, () -> {
            Attr a = names.tmpfile(c, dir, mode);
            orphans.openNew(a.ino());
            return a;
        });
    }

    public void release(long ino) { remove(() -> orphans.release(ino)); }

    /**
     * Deletes every inode a crash left orphaned (ORPHAN_ITEMs of files unlinked while open) and
     * the orphan items; returns the number of inodes deleted. Run it after opening a volume.
     */
    public int recoverOrphans() { return edit(0, orphans::recover); }

    /**
     * Deletes one orphan, an inode with nlink 0 and an ORPHAN_ITEM, that nobody has open any
     * more (crfsd, when the last client that had it open went away); false if {@code ino} is no
     * orphan.
     */
    public boolean deleteOrphan(long ino) { return edit(0, 0, () -> orphans.deleteIfOrphan(ino)); }

    /**
     * Durability: everything so far reaches the volume (delegates to the store). Not an
     * operation: it needs no grant, and the store may release the lock while the volume commits.
     */
    public void sync() {
        lock.lock();
        try {
            store.sync(lock);
        } catch (StoreException e) {
            throw Inodes.map(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where one open file description of {@code ino} stands: lost-edit failures from now on
     * are reported to it, each once, by {@link #fsync} and {@link #checkWritten}.
     */
    public ErrorMark errorMark(long ino) {
        ItemStore.LostEdits l = store.lostEdits(ino);
        return new ErrorMark(l == null ? 0 : l.seq());
    }

    /**
     * fsync(2) of {@code ino} through the file description {@code mark}: {@link #sync}, then the
     * error (ENOSPC, EIO) of a failure that lost edits to it acknowledged earlier, if this file
     * description has not been told of it yet.
     */
    public void fsync(long ino, ErrorMark mark) {
        sync();
        checkWritten(ino, mark);
    }

    /** close(2) of {@code ino}: the lost-edit error of {@link #fsync}, if there is one, without syncing. */
    public void checkWritten(long ino, ErrorMark mark) {
        ItemStore.LostEdits l = store.lostEdits(ino);
        if (l != null && mark.passes(l.seq())) {
            throw Inodes.map(l.why());
        }
    }

    /** The last lost-edit failure one open file description was told of (Linux's errseq). */
    public static final class ErrorMark {
        private final java.util.concurrent.atomic.AtomicLong seen;

        ErrorMark(long seen) {
            this.seen = new java.util.concurrent.atomic.AtomicLong(seen);
        }

        /** Moves past failure {@code seq}; true for the one caller that moved it. */
        boolean passes(long seq) {
            long was = seen.getAndAccumulate(seq, Math::max);
            return was < seq;
        }
    }
}
