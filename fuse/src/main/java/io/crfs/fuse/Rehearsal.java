package io.crfs.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A rehearsal of common work: the requests the kernel sends when programs create, stat, list,
 * write, read and delete files, served by a file system through the dispatcher's entry points as
 * on a mount, without a mount. A long-lived JVM runs one on a private scratch file system before
 * its first real request, so that the JIT has compiled the request paths by then; without it a
 * fresh mount's first tens of thousands of requests share the CPUs with the compiler and run at
 * half speed (docs/benchmarks.md). Requests are laid out as the kernel lays them out (protocol
 * 7.38), in native memory as the ring transport hands them over, so the compiled code is the code
 * real requests run. One thread; not thread-safe.
 */
public final class Rehearsal {
    /** What a rehearsal did: requests served, how many got an error reply they should not have, and its time. */
    public record Result(long requests, long failed, long nanos) {}

    private static final int O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200;
    /** Tar's record: the size of each write of a small file being unpacked. */
    private static final int RECORD = 10 << 10;
    private static final int MIB = 1 << 20;

    private final Dispatcher d;
    private final ByteBuffer in;
    private final ByteBuffer out;
    private final int pid = (int) ProcessHandle.current().pid();
    private final long deadline;
    private long unique = 2; // the kernel's numbers are even
    private long requests;
    private long failed;

    private Rehearsal(Dispatcher d, ByteBuffer in, ByteBuffer out, long deadline) {
        this.d = d;
        this.in = in;
        this.out = out;
        this.deadline = deadline;
    }

    /**
     * Serves {@code fs} a rehearsal of work on {@code files} files (created empty or with a few
     * records, looked up, listed, deleted) and a {@code dataMiB} file written and read in 1 MiB
     * and 4 KiB requests, in a new directory of the root; stops early once {@code budgetNanos}
     * have passed. The file system is left as it was, except for what a failed request left.
     */
    public static Result run(FuseFileSystem fs, FuseMount.Options options, int files, int dataMiB, long budgetNanos) {
        long t0 = System.nanoTime();
        // a shared arena, as the mount's queues and workers use (see Wire.direct)
        try (Arena arena = Arena.ofShared()) {
            int size = Wire.IN_HEADER_SIZE + 128 + options.maxWrite();
            MemorySegment inSeg = arena.allocate(size, 4096);
            MemorySegment outSeg = arena.allocate(Wire.OUT_HEADER_SIZE + options.maxWrite(), 4096);
            Rehearsal r = new Rehearsal(new Dispatcher(fs, options), Wire.le(inSeg.asByteBuffer()),
                    Wire.le(outSeg.asByteBuffer()), t0 + budgetNanos);
            r.init();
            long dir = r.mkdir(Wire.ROOT_ID, ".rehearsal-" + r.pid);
            if (dir != 0) {
                r.files(dir, files);
                r.data(dir, Math.min(dataMiB, options.maxWrite() < MIB ? 0 : dataMiB));
                r.request(Wire.RMDIR, Wire.ROOT_ID, b -> name(b, ".rehearsal-" + r.pid), 0);
            }
            return new Result(r.requests, r.failed, System.nanoTime() - t0);
        }
    }

    private boolean late() {
        return System.nanoTime() - deadline > 0;
    }

    private void files(long dir, int n) {
        long[] inos = new long[n];
        long[] lookups = new long[n]; // what the kernel would give back in FORGET
        int made = 0;
        for (; made < n && !late(); made++) { // as open(O_CREAT|O_EXCL) + close, and tar xf for every fourth
            String name = "f" + made;
            request(Wire.LOOKUP, dir, b -> name(b, name), Errno.ENOENT);
            boolean tar = made % 4 == 0;
            int fl = O_CREAT | O_EXCL | O_WRONLY;
            if (!create(dir, name, fl)) {
                continue; // counted; the rest of this file's work would fail for want of it
            }
            long ino = out.getLong(Wire.OUT_HEADER_SIZE);
            long fh = out.getLong(Wire.OUT_HEADER_SIZE + Wire.ENTRY_OUT_SIZE);
            inos[made] = ino;
            lookups[made] = 1;
            getattr(dir);
            if (tar) {
                request(Wire.GETXATTR, ino, b -> name(b.putInt(0).putInt(0), "security.capability"), Errno.ENODATA);
                for (int k = 0; k < 2; k++) {
                    long off = (long) k * RECORD;
                    request(Wire.WRITE, ino, b -> write(b, fh, off, RECORD), 0);
                }
                setattr(ino, SetAttrIn.FATTR_UID | SetAttrIn.FATTR_GID, 0);
                setattr(ino, SetAttrIn.FATTR_MODE, Attr.S_IFREG | 0644);
                setattr(ino, SetAttrIn.FATTR_ATIME | SetAttrIn.FATTR_MTIME, 0);
            }
            close(ino, fh, fl);
        }
        for (int i = 0; i < made && !late(); i++) { // stat: a name the kernel dropped, then the attributes
            String name = "f" + i;
            long ino = inos[i];
            if (ino != 0 && request(Wire.LOOKUP, dir, b -> name(b, name), 0)) {
                lookups[i]++;
                getattr(ino);
            }
        }
        list(dir);
        for (int i = 0; i < made; i++) { // as rm: unlink, and the directory's attributes for the next walk
            String name = "f" + i;
            if (inos[i] != 0) {
                request(Wire.UNLINK, dir, b -> name(b, name), 0);
                getattr(dir);
            }
        }
        forget(inos, lookups, made);
    }

    private void list(long dir) {
        if (!request(Wire.OPENDIR, dir, b -> b.putInt(0).putInt(0), 0)) {
            return;
        }
        long fh = out.getLong(Wire.OUT_HEADER_SIZE);
        long offset = 0;
        while (!late()) {
            long at = offset;
            request(Wire.READDIR, dir, b -> b.putLong(fh).putLong(at).putInt(64 << 10).putInt(0).putLong(0)
                    .putInt(0).putInt(0), 0);
            int len = out.getInt(0) - Wire.OUT_HEADER_SIZE;
            if (len <= 0) {
                break;
            }
            // fuse_dirent: ino, off, namelen, type, name padded to 8; the last entry's off goes on
            int p = Wire.OUT_HEADER_SIZE;
            while (p < Wire.OUT_HEADER_SIZE + len) {
                offset = out.getLong(p + 8);
                p += (24 + out.getInt(p + 16) + 7) & ~7;
            }
        }
        request(Wire.RELEASEDIR, dir, b -> b.putLong(fh).putInt(0).putInt(0).putLong(0), 0);
    }

    /** One file written and read in 1 MiB requests, then in 4 KiB ones at scattered offsets, then deleted. */
    private void data(long dir, int mib) {
        if (mib <= 0 || late()) {
            return;
        }
        int fl = O_CREAT | O_EXCL | O_RDWR;
        if (!create(dir, "data", fl)) {
            return;
        }
        long ino = out.getLong(Wire.OUT_HEADER_SIZE);
        long fh = out.getLong(Wire.OUT_HEADER_SIZE + Wire.ENTRY_OUT_SIZE);
        for (int i = 0; i < mib && !late(); i++) {
            long off = (long) i * MIB;
            request(Wire.WRITE, ino, b -> write(b, fh, off, MIB), 0);
        }
        for (int i = 0; i < mib && !late(); i++) {
            long off = (long) i * MIB;
            request(Wire.READ, ino, b -> read(b, fh, off, MIB), 0);
        }
        long span = (long) mib * MIB / 4096;
        for (int i = 0; i < 4096 && !late(); i++) {
            long off = (i * 7919L % span) * 4096;
            boolean w = i % 2 == 1;
            request(w ? Wire.WRITE : Wire.READ, ino, b -> {
                if (w) {
                    write(b, fh, off, 4096);
                } else {
                    read(b, fh, off, 4096);
                }
            }, 0);
        }
        close(ino, fh, fl);
        request(Wire.UNLINK, dir, b -> name(b, "data"), 0);
        forget(new long[] {ino}, new long[] {1}, 1);
    }

    private void init() {
        int flags = Wire.ASYNC_READ | Wire.POSIX_LOCKS | Wire.ATOMIC_O_TRUNC | Wire.BIG_WRITES | Wire.DONT_MASK
                | Wire.FLOCK_LOCKS | Wire.AUTO_INVAL_DATA | Wire.PARALLEL_DIROPS | Wire.POSIX_ACL | Wire.MAX_PAGES
                | Wire.HANDLE_KILLPRIV_V2;
        request(Wire.INIT, 0, b -> b.putInt(Wire.KERNEL_VERSION).putInt(Wire.KERNEL_MINOR_VERSION).putInt(MIB)
                .putInt(flags).putInt(0).put(new byte[44]), 0);
    }

    /** CREATE of a regular file (mode 0644, umask 022); true if made, its inode and handle then in the reply. */
    private boolean create(long dir, String name, int flags) {
        return request(Wire.CREATE, dir, b -> name(b.putInt(flags).putInt(Attr.S_IFREG | 0644).putInt(022).putInt(0), name), 0);
    }

    private void getattr(long node) {
        request(Wire.GETATTR, node, b -> b.putInt(0).putInt(0).putLong(0), 0);
    }

    /** close(2) of the file's last descriptor: FLUSH, then RELEASE. */
    private void close(long ino, long fh, int flags) {
        request(Wire.FLUSH, ino, b -> b.putLong(fh).putInt(0).putInt(0).putLong(pid), 0);
        request(Wire.RELEASE, ino, b -> b.putLong(fh).putInt(flags).putInt(0).putLong(0), 0);
    }

    private long mkdir(long parent, String name) {
        request(Wire.MKDIR, parent, b -> name(b.putInt(Attr.S_IFDIR | 0755).putInt(022), name), 0);
        return out.getInt(4) == 0 ? out.getLong(Wire.OUT_HEADER_SIZE) : 0;
    }

    private void setattr(long ino, int valid, int mode) {
        long now = System.currentTimeMillis() / 1000;
        request(Wire.SETATTR, ino, b -> b.putInt(valid).putInt(0).putLong(0).putLong(0).putLong(0)
                .putLong(now).putLong(now).putLong(now).putInt(0).putInt(0).putInt(0)
                .putInt(mode).putInt(0).putInt(0).putInt(0).putInt(0), 0);
    }

    /** BATCH_FORGET, 256 to a request, of the first {@code n} inodes with their lookup counts (0: no inode). */
    private void forget(long[] inos, long[] lookups, int n) {
        int[] made = java.util.stream.IntStream.range(0, n).filter(i -> inos[i] != 0).toArray();
        for (int from = 0; from < made.length; from += 256) {
            int start = from, end = Math.min(made.length, from + 256);
            request(Wire.BATCH_FORGET, 0, b -> {
                b.putInt(end - start).putInt(0);
                for (int k = start; k < end; k++) {
                    b.putLong(inos[made[k]]).putLong(lookups[made[k]]);
                }
            }, 0);
        }
    }

    private static void write(ByteBuffer b, long fh, long off, int size) {
        b.putLong(fh).putLong(off).putInt(size).putInt(0).putLong(0).putInt(O_WRONLY).putInt(0);
        for (int i = 0; i < size; i += 8) {
            b.putLong(off + i); // bytes that are not all zero, as real data
        }
    }

    private static void read(ByteBuffer b, long fh, long off, int size) {
        b.putLong(fh).putLong(off).putInt(size).putInt(0).putLong(0).putInt(O_RDWR).putInt(0);
    }

    private static void name(ByteBuffer b, String name) {
        b.put(name.getBytes(StandardCharsets.ISO_8859_1)).put((byte) 0);
    }

    private interface Body {
        void fill(ByteBuffer b);
    }

    /**
     * Lays out one request (header, then what {@code body} writes), serves it as a ring queue's
     * thread would, moved requests included, and counts an error reply other than {@code expected}.
     * True if the reply is not an error (a request without reply: true).
     */
    private boolean request(int opcode, long node, Body body, int expected) {
        in.clear();
        in.position(Wire.IN_HEADER_SIZE);
        body.fill(in);
        int len = in.position();
        long u = unique;
        unique += 2;
        in.putInt(0, len).putInt(4, opcode).putLong(8, u).putLong(16, node).putInt(24, 0).putInt(28, 0)
                .putInt(32, pid).putShort(36, (short) 0).putShort(38, (short) 0);
        in.position(0).limit(len);
        requests++;
        int n = d.handleTracked(in, out, true);
        if (n == Dispatcher.MOVED) {
            in.position(0).limit(len);
            n = d.handleMoved(in, out);
        }
        int error = n >= Wire.OUT_HEADER_SIZE ? -out.getInt(4) : 0;
        if (error != 0 && error != expected) {
            failed++;
        }
        return error == 0;
    }
}
