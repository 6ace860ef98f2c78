package io.crfs.fusemount;

import io.crfs.fuse.Attr;
import io.crfs.fuse.AttrOut;
import io.crfs.fuse.CreateOut;
import io.crfs.fuse.DirBuffer;
import io.crfs.fuse.Entry;
import io.crfs.fuse.FuseContext;
import io.crfs.fuse.FuseException;
import io.crfs.fuse.FuseFileSystem;
import io.crfs.fuse.MoveRequest;
import io.crfs.fuse.OpenOut;
import io.crfs.fuse.SetAttrIn;
import io.crfs.fuse.StatFs;
import io.crfs.format.Timespec;
import io.crfs.posix.Caller;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.posix.SetAttr;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * crfs's POSIX layer behind the FUSE kernel protocol. FUSE's root (node 1) is btrfs's root
 * directory (256); every other node id is the btrfs inode number. Names cross as Latin-1
 * strings, which carry every byte unchanged.
 *
 * <p>The kernel caches attributes, names (positive and negative) and pages for as long as
 * {@link Caching} allows; the mount keeps those caches coherent by invalidating them through
 * notify messages whenever the client loses a grant (see {@link Mounts}). Files opened with
 * O_APPEND bypass the page cache and append at the end of the file as the server knows it, so
 * appenders on several clients never overwrite each other.
 */
public final class CrfsFuse implements FuseFileSystem {
    static final long ROOT_NODE = 1;
    /** Bit 0 of a file handle: opened with O_APPEND. The rest numbers open files (see {@link #handles}). */
    static final long APPEND_FH = 1;
    private final java.util.concurrent.atomic.AtomicLong nextFh = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Map<Long, OpenFile> handles = new java.util.concurrent.ConcurrentHashMap<>();

    /** An open file description: its inode, whether it may write, where it is in lost-edit reports. */
    private record OpenFile(long ino, boolean writable, PosixFs.ErrorMark mark) {}
    private static final int O_APPEND = 02000;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;

    /**
     * How long the kernel may trust what it was told: attributes, names (and "no such name"), in
     * nanoseconds, and whether it keeps an inode's pages from one open to the next.
     */
    public record Caching(long attrTtlNanos, long entryTtlNanos, boolean keepPages) {}

    private final PosixFs fs;
    private final Caching caching;
    /** An inode the kernel holds: the lookups it has not given back yet, and whether it is a directory. */
    private record Held(long lookups, boolean dir) {}

    /**
     * Inodes the kernel holds (it may cache their attributes, pages and, for directories, names):
     * each Entry reply counts one lookup, FORGET gives them back. The root is held without a lookup.
     * Updates are pure functions of the old value, as the map may apply them more than once.
     */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, Held> held = new java.util.concurrent.ConcurrentSkipListMap<>();

    /** The inodes in [from, to] the kernel holds, and whether a directory is among them. */
    record HeldRange(java.util.List<Long> inos, boolean anyDirectory) {}

    HeldRange held(long from, long to) {
        if (Long.compareUnsigned(from, to) > 0 || from < 0 || to < 0) {
            return new HeldRange(java.util.List.of(), false);
        }
        var in = held.subMap(from, true, to, true);
        return new HeldRange(new java.util.ArrayList<>(in.keySet()), in.values().stream().anyMatch(Held::dir));
    }

    private volatile boolean cacheNames = true;

    /** Whether names may be cached as {@link Caching} says (else not at all: the kernel cannot be told to drop them). */
    void cacheNames(boolean on) {
        cacheNames = on;
    }

    private long entryTtl() {
        return cacheNames ? caching.entryTtlNanos() : 0;
    }

    /**
     * The network client: locks are taken through it (the server, so all clients see them), and
     * its calls may move a request off a ring queue's thread ({@link #movable}). Null: a local mount.
     */
    private final io.crfs.client.CrfsClient client;
    /** Record and flock locks through {@link #client}; null on a local mount. */
    private final ServerLocks locks;

    /** {@code client}: the network client ({@link #client}); null: a local mount (locks are local only). */
    public CrfsFuse(PosixFs fs, Caching caching, io.crfs.client.CrfsClient client) {
        this.fs = fs;
        this.caching = caching;
        this.client = client;
        this.locks = client == null ? null : new ServerLocks(client);
        held.put(PosixFs.ROOT, new Held(Long.MAX_VALUE, true));
    }

    static long ino(long node) {
        return node == ROOT_NODE ? PosixFs.ROOT : node;
    }

    static long node(long ino) {
        return ino == PosixFs.ROOT ? ROOT_NODE : ino;
    }

    static byte[] b(String name) {
        return name.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    /**
     * The caller, with its supplementary groups: FUSE sends only uid, gid and pid, so they are
     * read from /proc/PID/status (a chown to a supplementary group, or access through one, needs them).
     */
    private static Caller caller(FuseContext ctx) {
        return caller(ctx, 0);
    }

    /**
     * The caller of an operation that makes an inode, with its umask: the mount asks for
     * FUSE_DONT_MASK, so the file system applies it (or, instead, the directory's default ACL).
     */
    private static Caller caller(FuseContext ctx, int umask) {
        int pid = ctx.pid(), gid = ctx.gid();
        return Caller.withLazyGroups(ctx.uid(), gid, () -> groups(pid, gid), umask);
    }

    static int[] groups(int pid, int gid) {
        if (pid > 0) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Integer.toString(pid), "status"))) {
                    if (line.startsWith("Groups:")) {
                        String list = line.substring(7).trim();
                        if (list.isEmpty()) {
                            break;
                        }
                        return java.util.Arrays.stream(list.split("\\s+")).mapToInt(Integer::parseInt).toArray();
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the process is gone or /proc is not ours to read: its primary group only
            }
        }
        return new int[] {gid};
    }

    /** Runs a POSIX call, turning its errno into the FUSE error reply. */
    private <T> T call(FuseContext ctx, Supplier<T> op) {
        try {
            return movable(ctx, op);
        } catch (PosixException e) {
            throw new FuseException(e.errno().code());
        }
    }

    private void run(FuseContext ctx, Runnable op) {
        call(ctx, () -> {
            op.run();
            return null;
        });
    }

    /**
     * Runs a request's POSIX call. The first of a request served on a ring queue's thread, if it
     * would wait for crfsd before changing anything, moves the request to a thread of its own
     * ({@link MoveRequest}) instead of holding up the requests of the other processes on that
     * CPU; the request then runs again from the start. Later calls of the request, and all of a
     * local mount's, run where they are.
     */
    private <T> T movable(FuseContext ctx, Supplier<T> op) {
        if (client == null || !ctx.movable()) {
            return op.get();
        }
        try {
            return client.withoutWaiting(op);
        } catch (io.crfs.client.CrfsClient.WouldWait w) {
            throw new MoveRequest();
        } finally {
            ctx.pin();
        }
    }

    private static Timespec ts(io.crfs.fuse.FuseTime t) {
        return new Timespec(t.sec(), t.nsec());
    }

    private static io.crfs.fuse.FuseTime ft(Timespec t) {
        return new io.crfs.fuse.FuseTime(t.sec(), t.nsec());
    }

    private static Attr attr(io.crfs.posix.Attr a) {
        return new Attr(node(a.ino()), a.mode(), (int) a.nlink(), a.uid(), a.gid(), (int) a.rdev(), a.size(), a.blocks(),
                4096, ft(a.atime()), ft(a.mtime()), ft(a.ctime()));
    }

    private Entry entry(io.crfs.posix.Attr a) {
        // counted before the kernel sees the reply, so a revoke racing it still tells the kernel
        held.merge(a.ino(), new Held(1, (a.mode() & Attr.S_IFMT) == Attr.S_IFDIR),
                (h, one) -> new Held(h.lookups() + 1, h.dir() || one.dir()));
        return new Entry(node(a.ino()), a.generation(), attr(a), entryTtl(), caching.attrTtlNanos());
    }

    @Override
    public Entry lookup(FuseContext ctx, long parent, String name) {
        io.crfs.posix.Attr a = call(ctx, () -> fs.find(caller(ctx), ino(parent), b(name)));
        return a != null ? entry(a) : Entry.negative(entryTtl()); // a create elsewhere invalidates it (Mounts)
    }

    /** The kernel dropped its lookups: once none is left it caches nothing of the inode, and revokes need not tell it. */
    @Override
    public void forget(long node, long nlookup) {
        if (node != ROOT_NODE) {
            held.computeIfPresent(node, (ino, h) -> h.lookups() > nlookup ? new Held(h.lookups() - nlookup, h.dir()) : null);
        }
    }

    @Override
    public AttrOut getattr(FuseContext ctx, long ino, long fh) {
        return new AttrOut(attr(call(ctx, () -> fs.getattr(ino(ino)))), caching.attrTtlNanos());
    }

    @Override
    public AttrOut setattr(FuseContext ctx, long node, SetAttrIn in) {
        long ino = ino(node);
        Caller c = caller(ctx);
        return call(ctx, () -> {
            io.crfs.posix.Attr a = null;
            if ((in.valid() & ~(SetAttrIn.FATTR_FH | SetAttrIn.FATTR_LOCKOWNER)) == 0) {
                return new AttrOut(attr(emptySetattr(c, ino)), caching.attrTtlNanos());
            }
            if (in.hasSize()) {
                a = in.hasFh() ? fs.ftruncate(c, ino, in.size()) : fs.setattr(c, ino, SetAttr.size(in.size()));
            }
            Integer mode = in.hasMode() ? in.mode() & 07777 : null;
            Integer uid = in.hasUid() ? in.uid() : null;
            Integer gid = in.hasGid() ? in.gid() : null;
            Timespec at = in.hasAtime() && !in.atimeNow() ? ts(in.atime()) : null;
            Timespec mt = in.hasMtime() && !in.mtimeNow() ? ts(in.mtime()) : null;
            Timespec ct = in.hasCtime() ? ts(in.ctime()) : null;
            if (mode != null || uid != null || gid != null || at != null || mt != null || in.atimeNow() || in.mtimeNow()
                    || ct != null) {
                a = fs.setattr(c, ino, new SetAttr(mode, uid, gid, null, at, mt, in.atimeNow(), in.mtimeNow(), ct));
            }
            return new AttrOut(attr(a != null ? a : fs.getattr(ino)), caching.attrTtlNanos());
        });
    }

    /**
     * A SETATTR that sets nothing. With HANDLE_KILLPRIV_V2 the kernel leaves clearing setuid and
     * setgid to us and sends what remains: so chown(path, -1, -1) comes as this (without the
     * write-back cache the kernel sends no ctime either), and it is taken as that chown. So does
     * the kernel's removal of privileges before a write (or fallocate, or copy into the file) by
     * someone other than root, whose WRITE then carries the kill itself; it carries no file
     * handle. Such a write needs the file open for writing here, so where the chown is refused
     * (another user would clear a bit) on a file that this mount has open for writing, it is
     * left alone: the write of someone allowed to write must not be refused. Only regular files
     * are opened through FUSE (FIFOs and devices open in the kernel), so those are the only
     * ones. Anywhere else the refusal stands, as for another user's chown(-1, -1) on btrfs.
     */
    private io.crfs.posix.Attr emptySetattr(Caller c, long ino) {
        try {
            return fs.setattr(c, ino, SetAttr.chownWithoutIds());
        } catch (PosixException e) {
            if (e.errno() == io.crfs.posix.Errno.EPERM && openForWriting(ino)) {
                return fs.getattr(ino); // perhaps a write's privilege removal
            }
            throw e;
        }
    }

    /** Whether a file description open here may write to {@code ino} (scans them: a rare path). */
    private boolean openForWriting(long ino) {
        for (OpenFile f : handles.values()) {
            if (f.ino() == ino && f.writable()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String readlink(FuseContext ctx, long ino) {
        return s(call(ctx, () -> fs.readlink(ino(ino))));
    }

    @Override
    public Entry symlink(FuseContext ctx, long parent, String name, String target) {
        return entry(call(ctx, () -> fs.symlink(caller(ctx), ino(parent), b(name), b(target))));
    }

    @Override
    public Entry mknod(FuseContext ctx, long parent, String name, int mode, int rdev, int umask) {
        return entry(call(ctx, () -> fs.mknod(caller(ctx, umask), ino(parent), b(name), mode, Integer.toUnsignedLong(rdev))));
    }

    @Override
    public Entry mkdir(FuseContext ctx, long parent, String name, int mode, int umask) {
        return entry(call(ctx, () -> fs.mkdir(caller(ctx, umask), ino(parent), b(name), mode)));
    }

    @Override
    public void unlink(FuseContext ctx, long parent, String name) {
        run(ctx, () -> fs.unlink(caller(ctx), ino(parent), b(name)));
    }

    @Override
    public void rmdir(FuseContext ctx, long parent, String name) {
        run(ctx, () -> fs.rmdir(caller(ctx), ino(parent), b(name)));
    }

    @Override
    public void rename(FuseContext ctx, long parent, String name, long newParent, String newName, int flags) {
        run(ctx, () -> fs.rename(caller(ctx), ino(parent), b(name), ino(newParent), b(newName), flags));
    }

    @Override
    public Entry link(FuseContext ctx, long ino, long newParent, String newName) {
        return entry(call(ctx, () -> fs.link(caller(ctx), ino(ino), ino(newParent), b(newName))));
    }

    /** The access an open(2) asks for, as an access(2) mask: the kernel leaves the check to us. */
    static int accessMask(int flags) {
        int mask = switch (flags & O_ACCMODE) {
            case 0 -> PosixFs.R_OK;
            case 1 -> PosixFs.W_OK;
            default -> PosixFs.R_OK | PosixFs.W_OK;
        };
        return (flags & 01000) != 0 ? mask | PosixFs.W_OK : mask; // O_TRUNC
    }

    @Override
    public OpenOut open(FuseContext ctx, long ino, int flags) {
        run(ctx, () -> fs.access(caller(ctx), ino(ino), accessMask(flags)));
        if ((flags & 01000) != 0) { // O_TRUNC (ATOMIC_O_TRUNC): the kernel leaves it to us
            run(ctx, () -> fs.ftruncate(caller(ctx), ino(ino), 0));
        }
        run(ctx, () -> fs.open(ino(ino))); // last: a failed open gets no RELEASE, so nothing may fail after it
        return openOut(ino(ino), flags);
    }

    /**
     * O_APPEND: direct I/O, for the kernel would write at the end of file it last saw, which
     * another client may have moved; we append at the true end instead (see {@link #write}).
     * Otherwise the kernel keeps the pages it cached (they are invalidated when a grant is lost).
     */
    private OpenOut openOut(long ino, int flags) {
        long fh = nextFh.addAndGet(2);
        handles.put(fh, new OpenFile(ino, (flags & O_ACCMODE) != O_RDONLY, fs.errorMark(ino)));
        if ((flags & O_APPEND) != 0) {
            return new OpenOut(fh | APPEND_FH, OpenOut.FOPEN_DIRECT_IO);
        }
        return new OpenOut(fh, caching.keepPages() ? OpenOut.FOPEN_KEEP_CACHE : 0);
    }

    /** The open file description a FUSE file handle stands for: where it is in lost-edit reports. */
    private PosixFs.ErrorMark mark(long fh) {
        OpenFile f = handles.get(fh & ~APPEND_FH);
        if (f == null) {
            throw new FuseException(io.crfs.fuse.Errno.EBADF, "no open file with handle " + fh);
        }
        return f.mark();
    }

    @Override
    public void read(FuseContext ctx, long ino, long fh, long offset, ByteBuffer dst) {
        // straight into the reply (for the ring, the kernel's payload buffer), no copy in between
        java.lang.foreign.MemorySegment into = java.lang.foreign.MemorySegment.ofBuffer(dst);
        int n = call(ctx, () -> fs.read(ino(ino), offset, into));
        dst.position(dst.position() + Math.max(0, n));
    }

    /** A per-worker buffer for WRITE data (up to 1 MiB): no allocation and zeroing per request. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    private static byte[] scratch(int size) {
        byte[] b = SCRATCH.get();
        if (b.length < size) {
            b = new byte[size];
            SCRATCH.set(b);
        }
        return b;
    }

    @Override
    public int write(FuseContext ctx, long ino, long fh, long offset, ByteBuffer data, int writeFlags) {
        int n = data.remaining();
        byte[] buf = scratch(n); // stores keep no reference to written bytes (ItemStore.write)
        data.get(buf, 0, n);
        if ((fh & APPEND_FH) != 0) {
            call(ctx, () -> fs.append(caller(ctx), ino(ino), buf, 0, n));
            return n;
        }
        return call(ctx, () -> fs.write(caller(ctx), ino(ino), offset, buf, 0, n));
    }

    @Override
    public void flush(FuseContext ctx, long ino, long fh, long lockOwner) {
        // write-back edits reach the server on fsync, on revoke and within half a second; a close
        // drops the closing owner's record locks, as close(2) does
        if (locks != null) {
            locks.closed(ino(ino), lockOwner);
        }
        PosixFs.ErrorMark m = mark(fh);
        run(ctx, () -> fs.checkWritten(ino(ino), m)); // close(2) reports writes lost since (ENOSPC, EIO)
    }

    @Override
    public void release(FuseContext ctx, long ino, long fh, int flags, int releaseFlags, long lockOwner) {
        if (locks != null && (releaseFlags & FuseFileSystem.RELEASE_FLOCK_UNLOCK) != 0) {
            locks.flockReleased(ino(ino), lockOwner);
        }
        handles.remove(fh & ~APPEND_FH);
        run(ctx, () -> fs.release(ino(ino)));
    }

    @Override
    public io.crfs.fuse.FileLock getlk(FuseContext ctx, long ino, long fh, long owner, io.crfs.fuse.FileLock lock) {
        if (locks == null) {
            throw new FuseException(io.crfs.fuse.Errno.ENOSYS); // a local mount: the kernel's own locks
        }
        return locks.test(ino(ino), owner, lock);
    }

    @Override
    public void setlk(FuseContext ctx, long ino, long fh, long owner, io.crfs.fuse.FileLock lock, boolean sleep,
                      boolean flock) {
        if (locks == null) {
            throw new FuseException(io.crfs.fuse.Errno.ENOSYS);
        }
        locks.set(ctx, ino(ino), owner, lock, sleep, flock);
    }

    @Override
    public void fsync(FuseContext ctx, long ino, long fh, boolean datasync) {
        PosixFs.ErrorMark m = mark(fh);
        run(ctx, () -> fs.fsync(ino(ino), m));
    }

    @Override
    public OpenOut opendir(FuseContext ctx, long ino, int flags) {
        return new OpenOut(0, 0);
    }

    @Override
    public void readdir(FuseContext ctx, long ino, long fh, long offset, DirBuffer out) {
        for (DirEntryInfo e : call(ctx, () -> fs.readdir(caller(ctx), ino(ino), offset, 256))) {
            int mode = switch (e.type()) {
                case 2 -> Attr.S_IFDIR;
                case 7 -> Attr.S_IFLNK;
                case 3 -> Attr.S_IFCHR;
                case 4 -> Attr.S_IFBLK;
                case 5 -> Attr.S_IFIFO;
                case 6 -> Attr.S_IFSOCK;
                default -> Attr.S_IFREG;
            };
            if (!out.add(s(e.name()), node(e.ino()), mode, e.cookie())) {
                return;
            }
        }
    }

    @Override
    public void releasedir(FuseContext ctx, long ino, long fh, int flags) {
    }

    @Override
    public void fsyncdir(FuseContext ctx, long ino, long fh, boolean datasync) {
        run(ctx, fs::sync);
    }

    @Override
    public StatFs statfs(FuseContext ctx, long ino) {
        io.crfs.posix.StatFs s = call(ctx, fs::statfs);
        return new StatFs(s.blocks(), s.blocksFree(), s.blocksAvail(), s.files(), s.filesFree(), s.blockSize(), s.nameMax(),
                s.blockSize());
    }

    @Override
    public void setxattr(FuseContext ctx, long ino, String name, byte[] value, int flags) {
        run(ctx, () -> fs.setxattr(caller(ctx), ino(ino), b(name), value, flags));
    }

    @Override
    public byte[] getxattr(FuseContext ctx, long ino, String name) {
        return call(ctx, () -> fs.getxattr(caller(ctx), ino(ino), b(name)));
    }

    @Override
    public List<String> listxattr(FuseContext ctx, long ino) {
        List<String> out = new ArrayList<>();
        for (byte[] n : call(ctx, () -> fs.listxattr(caller(ctx), ino(ino)))) {
            out.add(s(n));
        }
        return out;
    }

    @Override
    public void removexattr(FuseContext ctx, long ino, String name) {
        run(ctx, () -> fs.removexattr(caller(ctx), ino(ino), b(name)));
    }

    @Override
    public void access(FuseContext ctx, long ino, int mask) {
        run(ctx, () -> fs.access(caller(ctx), ino(ino), mask));
    }

    @Override
    public CreateOut create(FuseContext ctx, long parent, String name, int mode, int umask, int flags) {
        boolean excl = (flags & 0200) != 0; // O_EXCL
        io.crfs.posix.Attr made = call(ctx, () -> fs.create(caller(ctx, umask), ino(parent), b(name), mode, excl));
        io.crfs.posix.Attr a = (flags & 01000) != 0 && made.size() > 0
                ? call(ctx, () -> fs.ftruncate(caller(ctx), made.ino(), 0)) : made;
        run(ctx, () -> fs.open(a.ino())); // last: a failed create gets no RELEASE
        return new CreateOut(entry(a), openOut(a.ino(), flags));
    }

    @Override
    public CreateOut tmpfile(FuseContext ctx, long parent, int mode, int umask, int flags) {
        io.crfs.posix.Attr a = call(ctx, () -> fs.tmpfile(caller(ctx, umask), ino(parent), mode)); // opened too
        return new CreateOut(entry(a), openOut(a.ino(), flags));
    }

    @Override
    public byte[] ioctl(FuseContext ctx, long ino, long fh, int cmd, byte[] in, int outSize) {
        return call(ctx, () -> FileAttrIoctls.run(fs, caller(ctx), ino(ino), cmd, in, outSize));
    }

    @Override
    public void fallocate(FuseContext ctx, long ino, long fh, long offset, long length, int mode) {
        run(ctx, () -> fs.fallocate(caller(ctx), ino(ino), mode, offset, length));
    }

    /**
     * copy_file_range(2) inside the mount (the kernel sent it, both files being here): whole
     * sectors are shared with the source by crfsd (a reflink, as on btrfs), so no data crosses
     * the network; the kernel drops its cached pages of the range afterwards.
     */
    @Override
    public long copyFileRange(FuseContext ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut,
                              long offOut, long len, long flags) {
        return call(ctx, () -> fs.copyFileRange(caller(ctx), ino(inoIn), offIn, ino(inoOut), offOut, len, (int) flags));
    }

    @Override
    public long lseek(FuseContext ctx, long ino, long fh, long offset, int whence) {
        long r = call(ctx, () -> whence == 3 ? fs.seekData(ino(ino), offset) : fs.seekHole(ino(ino), offset));
        if (r < 0) {
            throw new FuseException(io.crfs.fuse.Errno.ENXIO);
        }
        return r;
    }
}
