package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Constants and little-endian struct codecs mirroring {@code /usr/include/linux/fuse.h}
 * (protocol 7.38). All buffers handed to these methods must be {@link ByteOrder#LITTLE_ENDIAN}.
 */
final class Wire {
    static final int KERNEL_VERSION = 7;
    /** The highest minor this implementation speaks; INIT replies min(kernel's, this). */
    static final int KERNEL_MINOR_VERSION = 38;
    /** The lowest kernel minor we accept (mknod_in/create_in with umask, 64-bit padded structs). */
    static final int MIN_KERNEL_MINOR = 12;

    static final int IN_HEADER_SIZE = 40;
    static final int OUT_HEADER_SIZE = 16;
    static final int ATTR_SIZE = 88;
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    static final int OPEN_OUT_SIZE = 16;
    static final int KSTATFS_SIZE = 80;
    static final int INIT_OUT_SIZE = 64;
    static final int PAGE_SIZE = 4096;
    static final long ROOT_ID = 1;

    // opcodes (enum fuse_opcode)
    static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6, MKNOD = 8,
        MKDIR = 9, UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16,
        STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23, REMOVEXATTR = 24,
        FLUSH = 25, INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29, FSYNCDIR = 30, GETLK = 31,
        SETLK = 32, SETLKW = 33, ACCESS = 34, CREATE = 35, INTERRUPT = 36, BMAP = 37, DESTROY = 38,
        IOCTL = 39, POLL = 40, NOTIFY_REPLY = 41, BATCH_FORGET = 42, FALLOCATE = 43, READDIRPLUS = 44,
        RENAME2 = 45, LSEEK = 46, COPY_FILE_RANGE = 47, SETUPMAPPING = 48, REMOVEMAPPING = 49, SYNCFS = 50,
        TMPFILE = 51;

    // INIT flags
    static final int ASYNC_READ = 1, POSIX_LOCKS = 1 << 1, ATOMIC_O_TRUNC = 1 << 3, EXPORT_SUPPORT = 1 << 4,
        BIG_WRITES = 1 << 5, DONT_MASK = 1 << 6, FLOCK_LOCKS = 1 << 10, AUTO_INVAL_DATA = 1 << 12, DO_READDIRPLUS = 1 << 13,
        READDIRPLUS_AUTO = 1 << 14, WRITEBACK_CACHE = 1 << 16, PARALLEL_DIROPS = 1 << 18, POSIX_ACL = 1 << 20,
        MAX_PAGES = 1 << 22, HANDLE_KILLPRIV_V2 = 1 << 28, INIT_EXT = 1 << 30;

    /** FUSE_OVER_IO_URING (bit 41 of the 64-bit flags), as a bit of flags2. */
    static final int OVER_IO_URING2 = 1 << (41 - 32);
    static final int GETATTR_FH = 1;
    static final int LK_FLOCK = 1;
    /** fuse_ioctl_in.flags: an unrestricted ioctl (CUSE only). */
    static final int IOCTL_UNRESTRICTED = 2;
    static final int FSYNC_FDATASYNC = 1;

    // notify codes (enum fuse_notify_code)
    static final int NOTIFY_INVAL_INODE = 2, NOTIFY_INVAL_ENTRY = 3, NOTIFY_DELETE = 6, NOTIFY_INC_EPOCH = 8;

    /** FUSE_DEV_IOC_CLONE = _IOR(229, 0, uint32_t). */
    static final long DEV_IOC_CLONE = (2L << 30) | (4L << 16) | (229L << 8);

    private Wire() {
    }

    static ByteBuffer le(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A little-endian native buffer of {@code size} bytes owned by no thread, freed once
     * unreachable. Every native buffer requests and replies go through comes from a shared or
     * automatic arena, as the ring's and the workers' do, never from {@code allocateDirect}: the
     * JIT compiles the buffer accesses it inlines for the kind of memory session it has seen,
     * and one buffer of another kind (allocateDirect has none, a confined arena's checks its
     * owner thread) throws the compiled dispatcher away. The reply to a moved request, written in
     * an allocateDirect buffer, did that in every fresh mount (its warm-up had used a confined
     * arena), and the dispatcher was compiled again under the first real work
     * (docs/benchmarks.md, twenty-ninth session).
     */
    static ByteBuffer direct(int size) {
        return le(java.lang.foreign.Arena.ofAuto().allocate(size, 8).asByteBuffer());
    }

    static void putOutHeader(ByteBuffer out, int len, int error, long unique) {
        out.putInt(0, len).putInt(4, error).putLong(8, unique);
    }

    static void putAttr(ByteBuffer b, Attr a) {
        b.putLong(a.ino()).putLong(a.size()).putLong(a.blocks())
            .putLong(a.atime().sec()).putLong(a.mtime().sec()).putLong(a.ctime().sec())
            .putInt(a.atime().nsec()).putInt(a.mtime().nsec()).putInt(a.ctime().nsec())
            .putInt(a.mode()).putInt(a.nlink()).putInt(a.uid()).putInt(a.gid()).putInt(a.rdev())
            .putInt(a.blksize()).putInt(0);
    }

    static Attr getAttr(ByteBuffer b) {
        long ino = b.getLong(), size = b.getLong(), blocks = b.getLong();
        long as = b.getLong(), ms = b.getLong(), cs = b.getLong();
        int an = b.getInt(), mn = b.getInt(), cn = b.getInt();
        int mode = b.getInt(), nlink = b.getInt(), uid = b.getInt(), gid = b.getInt(), rdev = b.getInt();
        int blksize = b.getInt();
        b.getInt();
        return new Attr(ino, mode, nlink, uid, gid, rdev, size, blocks, blksize,
            new FuseTime(as, an), new FuseTime(ms, mn), new FuseTime(cs, cn));
    }

    static void putEntry(ByteBuffer b, Entry e) {
        b.putLong(e.nodeId()).putLong(e.generation())
            .putLong(sec(e.entryValidNanos())).putLong(sec(e.attrValidNanos()))
            .putInt(nsec(e.entryValidNanos())).putInt(nsec(e.attrValidNanos()));
        putAttr(b, e.attr());
    }

    static void putAttrOut(ByteBuffer b, AttrOut a) {
        b.putLong(sec(a.validNanos())).putInt(nsec(a.validNanos())).putInt(0);
        putAttr(b, a.attr());
    }

    static void putOpenOut(ByteBuffer b, OpenOut o) {
        b.putLong(o.fh()).putInt(o.openFlags()).putInt(0);
    }

    static void putStatFs(ByteBuffer b, StatFs s) {
        b.putLong(s.blocks()).putLong(s.bfree()).putLong(s.bavail()).putLong(s.files()).putLong(s.ffree())
            .putInt(s.bsize()).putInt(s.namelen()).putInt(s.frsize()).putInt(0);
        for (int i = 0; i < 6; i++) {
            b.putInt(0);
        }
    }

    static FileLock getLock(ByteBuffer b) {
        return new FileLock(b.getLong(), b.getLong(), b.getInt(), b.getInt());
    }

    static void putLock(ByteBuffer b, FileLock l) {
        b.putLong(l.start()).putLong(l.end()).putInt(l.type()).putInt(l.pid());
    }

    static long sec(long nanos) {
        return Math.floorDiv(nanos, 1_000_000_000L);
    }

    static int nsec(long nanos) {
        return (int) Math.floorMod(nanos, 1_000_000_000L);
    }
}
