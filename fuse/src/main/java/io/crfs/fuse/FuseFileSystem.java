package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A low-level, inode-based file system, as the kernel's FUSE protocol sees it (compare
 * libfuse's lowlevel API or go-fuse's RawFileSystem). Inode 1 is the root. Every method
 * may be called from several worker threads at once and defaults to {@link Errno#ENOSYS}
 * (the kernel then stops asking for some operations, e.g. access, flush, fsync, xattrs).
 * Fail with {@link FuseException}; any other exception becomes EIO and one log line.
 * Names, link targets and xattr names are Latin-1 strings: one char per byte of the kernel's
 * name, so names that are not valid UTF-8 survive.
 */
public interface FuseFileSystem {

    private static FuseException enosys() {
        return new FuseException(Errno.ENOSYS);
    }

    /** Looks {@code name} up in directory {@code parent}; one lookup of the result. */
    default Entry lookup(FuseContext ctx, long parent, String name) { throw enosys(); }

    /** The kernel drops {@code nlookup} lookups of {@code ino}; no reply is sent. */
    default void forget(long ino, long nlookup) { throw enosys(); }

    /** BATCH_FORGET: by default one {@link #forget} per pair ({@code inos[i]}, {@code nlookups[i]}). */
    default void batchForget(long[] inos, long[] nlookups) {
        for (int i = 0; i < inos.length; i++) {
            forget(inos[i], nlookups[i]);
        }
    }

    /** {@code fh} is the open file handle if the caller passed one (fstat), else -1. */
    default AttrOut getattr(FuseContext ctx, long ino, long fh) { throw enosys(); }

    default AttrOut setattr(FuseContext ctx, long ino, SetAttrIn in) { throw enosys(); }

    default String readlink(FuseContext ctx, long ino) { throw enosys(); }

    default Entry symlink(FuseContext ctx, long parent, String name, String target) { throw enosys(); }

    /**
     * {@code mode} includes the file type; {@code umask} is the caller's, already applied by the
     * kernel unless the mount asked for POSIX ACLs ({@link FuseMount.Options#withKernelChecks}).
     */
    default Entry mknod(FuseContext ctx, long parent, String name, int mode, int rdev, int umask) { throw enosys(); }

    default Entry mkdir(FuseContext ctx, long parent, String name, int mode, int umask) { throw enosys(); }

    default void unlink(FuseContext ctx, long parent, String name) { throw enosys(); }

    default void rmdir(FuseContext ctx, long parent, String name) { throw enosys(); }

    /** {@code flags}: 0 or RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4). */
    default void rename(FuseContext ctx, long parent, String name, long newParent, String newName, int flags) {
        throw enosys();
    }

    /** A hard link of {@code ino} as {@code newParent/newName}. */
    default Entry link(FuseContext ctx, long ino, long newParent, String newName) { throw enosys(); }

    /** {@code flags}: the open(2) flags (O_ACCMODE, O_APPEND, O_TRUNC with ATOMIC_O_TRUNC, ...). */
    default OpenOut open(FuseContext ctx, long ino, int flags) { throw enosys(); }

    /**
     * Reads at {@code offset} into {@code dst} (up to {@code dst.remaining()} bytes; fewer only
     * at end of file, unless the file was opened with FOPEN_DIRECT_IO).
     */
    default void read(FuseContext ctx, long ino, long fh, long offset, ByteBuffer dst) { throw enosys(); }

    /** Writes all of {@code data} at {@code offset}; returns the count written. */
    default int write(FuseContext ctx, long ino, long fh, long offset, ByteBuffer data, int writeFlags) {
        throw enosys();
    }

    /** Called on each close(2) of a file descriptor; may be called several times per open. */
    default void flush(FuseContext ctx, long ino, long fh, long lockOwner) { throw enosys(); }

    /** {@code releaseFlags} bit: the file held flock(2) locks, which {@code lockOwner} names; drop them. */
    int RELEASE_FLOCK_UNLOCK = 1 << 1;

    /** The last reference to the open file is gone; the reply is ignored by the kernel. */
    default void release(FuseContext ctx, long ino, long fh, int flags, int releaseFlags, long lockOwner) {
        throw enosys();
    }

    default void fsync(FuseContext ctx, long ino, long fh, boolean datasync) { throw enosys(); }

    default OpenOut opendir(FuseContext ctx, long ino, int flags) { throw enosys(); }

    /** Lists entries after cookie {@code offset} (0 = from the start) into {@code out}. */
    default void readdir(FuseContext ctx, long ino, long fh, long offset, DirBuffer out) { throw enosys(); }

    /** Like {@link #readdir}, with an {@link Entry} per name ({@link DirBuffer#addPlus}). */
    default void readdirplus(FuseContext ctx, long ino, long fh, long offset, DirBuffer out) { throw enosys(); }

    default void releasedir(FuseContext ctx, long ino, long fh, int flags) { throw enosys(); }

    default void fsyncdir(FuseContext ctx, long ino, long fh, boolean datasync) { throw enosys(); }

    default StatFs statfs(FuseContext ctx, long ino) { throw enosys(); }

    /** {@code flags}: XATTR_CREATE 1, XATTR_REPLACE 2. */
    default void setxattr(FuseContext ctx, long ino, String name, byte[] value, int flags) { throw enosys(); }

    /** The value, or {@link Errno#ENODATA}; size probing and ERANGE are handled by the dispatcher. */
    default byte[] getxattr(FuseContext ctx, long ino, String name) { throw enosys(); }

    default List<String> listxattr(FuseContext ctx, long ino) { throw enosys(); }

    default void removexattr(FuseContext ctx, long ino, String name) { throw enosys(); }

    /** {@code mask}: F_OK 0, X_OK 1, W_OK 2, R_OK 4. */
    default void access(FuseContext ctx, long ino, int mask) { throw enosys(); }

    /** Creates and opens a regular file; {@code flags} are the open(2) flags. */
    default CreateOut create(FuseContext ctx, long parent, String name, int mode, int umask, int flags) {
        throw enosys();
    }

    /**
     * open(2) with O_TMPFILE in directory {@code parent}: makes and opens a regular file with no
     * name and nlink 0, which linkat(2) may name later. Without it (ENOSYS) the kernel answers
     * O_TMPFILE with EOPNOTSUPP from then on.
     */
    default CreateOut tmpfile(FuseContext ctx, long parent, int mode, int umask, int flags) {
        throw enosys();
    }

    /** F_GETLK: the first lock that conflicts with {@code lock}, or one of type F_UNLCK. */
    default FileLock getlk(FuseContext ctx, long ino, long fh, long owner, FileLock lock) { throw enosys(); }

    /**
     * F_SETLK ({@code sleep} false) or F_SETLKW ({@code sleep} true); with {@code flock} true
     * this is flock(2) on the open file (whole file, owner = the open file).
     * A conflicting non-sleeping lock fails with {@link Errno#EAGAIN}.
     */
    default void setlk(FuseContext ctx, long ino, long fh, long owner, FileLock lock, boolean sleep, boolean flock) {
        throw enosys();
    }

    /** {@code mode}: 0 or FALLOC_FL_KEEP_SIZE 1, PUNCH_HOLE 2, ZERO_RANGE 0x10, ... (the kernel passes these three on) */
    default void fallocate(FuseContext ctx, long ino, long fh, long offset, long length, int mode) { throw enosys(); }

    /** {@code whence}: SEEK_DATA 3 or SEEK_HOLE 4 (the kernel does SET/CUR/END itself). */
    default long lseek(FuseContext ctx, long ino, long fh, long offset, int whence) { throw enosys(); }

    /** Returns the number of bytes copied. */
    default long copyFileRange(FuseContext ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut,
                               long offOut, long len, long flags) {
        throw enosys();
    }

    /**
     * An ioctl on an open file or directory, as the kernel passes it on for a file system that is
     * not CUSE: restricted, with the argument's size taken from {@code cmd}. {@code in} is what
     * the caller gives, the result what it gets back (at most {@code outSize} bytes). The
     * kernel's own file attribute calls (lsattr, chattr) come this way too: FS_IOC_GETFLAGS and
     * SETFLAGS, FS_IOC_FSGETXATTR and FSSETXATTR. ENOTTY: not a command of this file system.
     */
    default byte[] ioctl(FuseContext ctx, long ino, long fh, int cmd, byte[] in, int outSize) {
        throw new FuseException(Errno.ENOTTY);
    }

    /**
     * The kernel wants request {@code targetUnique} abandoned; its context already reports
     * {@link FuseContext#isInterrupted()}. No reply is sent.
     */
    default void interrupt(FuseContext ctx, long targetUnique) { throw enosys(); }
}
