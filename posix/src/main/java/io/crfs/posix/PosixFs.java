package io.crfs.posix;

import io.crfs.format.ItemStore;
import java.util.List;

/**
 * POSIX file system semantics over the items of one btrfs fs tree. Every method is one POSIX
 * operation; it reads and edits items through the {@link ItemStore} and throws
 * {@link PosixException} carrying a Linux errno on failure (nothing is changed then).
 * Operations are serialised by this object (it is thread-safe; one lock).
 *
 * <p>Names are raw bytes (Linux names are arbitrary bytes but '/' and NUL). Inode numbers are
 * btrfs objectids; the root directory is 256.
 *
 * <p>API SKELETON: implementations pending (see issue 2).
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
    // access() masks
    public static final int R_OK = 4, W_OK = 2, X_OK = 1, F_OK = 0;

    public PosixFs(ItemStore store) { throw new UnsupportedOperationException(); }

    /** Creates the root directory's items if the tree has none (a fresh tree); returns false if it existed. */
    public boolean initRoot(int mode, int uid, int gid) { throw new UnsupportedOperationException(); }

    public Attr getattr(long ino) { throw new UnsupportedOperationException(); }
    public Attr lookup(Caller c, long dir, byte[] name) { throw new UnsupportedOperationException(); }
    /** O_CREAT; with {@code exclusive} EEXIST if present, else returns the existing file (after permission checks). */
    public Attr create(Caller c, long dir, byte[] name, int mode, boolean exclusive) { throw new UnsupportedOperationException(); }
    /** Regular, fifo, socket, char or block device (type from mode's S_IFMT). */
    public Attr mknod(Caller c, long dir, byte[] name, int mode, long rdev) { throw new UnsupportedOperationException(); }
    public Attr mkdir(Caller c, long dir, byte[] name, int mode) { throw new UnsupportedOperationException(); }
    public Attr symlink(Caller c, long dir, byte[] name, byte[] target) { throw new UnsupportedOperationException(); }
    public Attr link(Caller c, long ino, long newDir, byte[] newName) { throw new UnsupportedOperationException(); }
    public void unlink(Caller c, long dir, byte[] name) { throw new UnsupportedOperationException(); }
    public void rmdir(Caller c, long dir, byte[] name) { throw new UnsupportedOperationException(); }
    public void rename(Caller c, long srcDir, byte[] srcName, long dstDir, byte[] dstName, int flags) { throw new UnsupportedOperationException(); }
    public byte[] readlink(long ino) { throw new UnsupportedOperationException(); }

    /**
     * Entries after {@code cookie} in DIR_INDEX order (stable offsets); cookie 0 starts at the
     * beginning and includes "." (cookie 1) and ".." (cookie 2); every entry carries the cookie
     * to resume after it.
     */
    public List<DirEntryInfo> readdir(Caller c, long dir, long cookie, int max) { throw new UnsupportedOperationException(); }

    public int read(long ino, long offset, byte[] dst, int from, int length) { throw new UnsupportedOperationException(); }
    /** Writes and updates mtime/ctime; clears setuid/setgid when an unprivileged caller writes. */
    public int write(Caller c, long ino, long offset, byte[] src, int from, int length) { throw new UnsupportedOperationException(); }
    public Attr setattr(Caller c, long ino, SetAttr change) { throw new UnsupportedOperationException(); }
    public void fallocate(Caller c, long ino, int mode, long offset, long length) { throw new UnsupportedOperationException(); }
    public long seekData(long ino, long offset) { throw new UnsupportedOperationException(); }
    public long seekHole(long ino, long offset) { throw new UnsupportedOperationException(); }

    public byte[] getxattr(Caller c, long ino, byte[] name) { throw new UnsupportedOperationException(); }
    public void setxattr(Caller c, long ino, byte[] name, byte[] value, int flags) { throw new UnsupportedOperationException(); }
    public List<byte[]> listxattr(Caller c, long ino) { throw new UnsupportedOperationException(); }
    public void removexattr(Caller c, long ino, byte[] name) { throw new UnsupportedOperationException(); }

    public void access(Caller c, long ino, int mask) { throw new UnsupportedOperationException(); }
    public StatFs statfs() { throw new UnsupportedOperationException(); }

    /** An open file handle was created; unlinked-while-open files live until the last release. */
    public void open(long ino) { throw new UnsupportedOperationException(); }
    public void release(long ino) { throw new UnsupportedOperationException(); }

    /** Durability: everything so far reaches the volume (delegates to the store). */
    public void sync() { throw new UnsupportedOperationException(); }
}
