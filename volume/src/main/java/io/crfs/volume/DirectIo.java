package io.crfs.volume;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * pread(2)/pwrite(2) straight from and into Java arrays. A FileChannel copies a heap buffer
 * through a temporary direct buffer first: one more pass over every byte of file data. These
 * calls are "critical" downcalls (the array is used in place, the collector waits for the few
 * hundred microseconds a call takes). {@link #open} returns null where they are unavailable,
 * and the caller keeps using its channel.
 *
 * <p>Large aligned writes (file data) bypass the host's page cache: they are copied into an
 * aligned native buffer and written through a second descriptor opened with O_DIRECT. A
 * buffered write of fresh pages costs the host a page allocation, a copy and later a writeback
 * per 4 KiB, all on the server's CPU; measured here, that was half of what the server spent on
 * a large sequential write. The kernel keeps the two descriptors coherent (a direct write drops
 * cached pages of its range), and {@code fsync} on either makes both durable. Where O_DIRECT is
 * refused (tmpfs, some network file systems), every write is buffered.
 */
final class DirectIo implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_DIRECT = 040000;
    /** Writes at least this large, at 4 KiB-aligned offsets and lengths, bypass the page cache. */
    static final int BYPASS_MIN = Integer.getInteger("crfs.bypassMinBytes", 256 << 10);
    private static final int ALIGN = 4096;
    private static final MethodHandle OPEN;
    private static final MethodHandle PREAD;
    private static final MethodHandle PWRITE;
    /** pwrite(2) from native memory: not critical, so that the collector need not wait for the disk. */
    private static final MethodHandle PWRITE_NATIVE;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle open = null, pread = null, pwrite = null, pwriteNative = null, close = null;
        try {
            Linker l = Linker.nativeLinker();
            var libc = l.defaultLookup();
            open = l.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            var io = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
            var errno = Linker.Option.captureCallState("errno");
            pread = l.downcallHandle(libc.find("pread").orElseThrow(), io, Linker.Option.critical(true), errno);
            pwrite = l.downcallHandle(libc.find("pwrite").orElseThrow(), io, Linker.Option.critical(true), errno);
            pwriteNative = l.downcallHandle(libc.find("pwrite").orElseThrow(), io, errno);
            close = l.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        } catch (RuntimeException | Error e) {
            open = null; // no native access: channels only
        }
        OPEN = open;
        PREAD = pread;
        PWRITE = pwrite;
        PWRITE_NATIVE = pwriteNative;
        CLOSE = close;
    }

    private static final java.lang.foreign.StructLayout STATE = Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO =
        STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE_SEG = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));
    private static final int EINTR = 4, EINVAL = 22;

    private final int fd;
    /** The file opened with O_DIRECT, or -1; set to -1 for good if a direct write is refused. */
    private volatile int bypassFd;
    /** A per-thread aligned buffer that large writes are copied into for O_DIRECT. */
    private static final ThreadLocal<MemorySegment> ALIGNED =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(DirectIo.MAX_CALL, ALIGN));

    private DirectIo(int fd, int bypassFd) {
        this.fd = fd;
        this.bypassFd = bypassFd;
    }

    /** The file opened again for direct array I/O, or null if that is not possible here. */
    static DirectIo open(Path path) {
        if (OPEN == null || Boolean.getBoolean("crfs.noDirectIo")) {
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocateFrom(path.toString());
            int fd = (int) OPEN.invokeExact(name, O_RDWR | O_CLOEXEC);
            if (fd < 0) {
                return null;
            }
            int bypass = Boolean.getBoolean("crfs.noBypass") ? -1 : (int) OPEN.invokeExact(name, O_RDWR | O_CLOEXEC | O_DIRECT);
            return new DirectIo(fd, bypass);
        } catch (Throwable t) {
            return null;
        }
    }

    /** At most this much per call: a critical downcall holds the collector off for its length. */
    private static final int MAX_CALL = 4 << 20;

    /**
     * Writes all of {@code src[off, off+len)} at {@code position}; retries calls a signal
     * interrupted. Returns whether the write bypassed the page cache (nothing of it is dirty there).
     */
    boolean write(long position, byte[] src, int off, int len) throws IOException {
        int bfd = bypassFd;
        if (bfd >= 0 && len >= BYPASS_MIN && position % ALIGN == 0 && len % ALIGN == 0 && writeDirect(bfd, position, src, off, len)) {
            return true;
        }
        writeBuffered(position, src, off, len);
        return false;
    }

    /**
     * The O_DIRECT write, through the aligned buffer; false if the file system refused it
     * (EINVAL: O_DIRECT is not supported there after all), which turns bypassing off.
     */
    private boolean writeDirect(int bfd, long position, byte[] src, int off, int len) throws IOException {
        MemorySegment buf = ALIGNED.get();
        MemorySegment state = STATE_SEG.get();
        long done = 0;
        while (done < len) {
            int chunk = (int) Math.min(MAX_CALL, len - done);
            MemorySegment.copy(src, off + (int) done, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk);
            long n;
            int at = 0;
            do {
                try {
                    n = (long) PWRITE_NATIVE.invokeExact(state, bfd, buf.asSlice(at), (long) (chunk - at), position + done + at);
                } catch (Throwable t) {
                    throw new IOException("pwrite failed: " + t, t);
                }
                if (n < 0 && errno(state) == EINTR) {
                    continue;
                }
                if (n < 0 && errno(state) == EINVAL && done == 0 && at == 0) {
                    bypassFd = -1; // refused before anything was written: write buffered from now on
                    return false;
                }
                if (n <= 0) {
                    throw new IOException("pwrite of " + (chunk - at) + " bytes at " + (position + done + at) + " failed: "
                        + (n == 0 ? "nothing written" : describe(errno(state))));
                }
                at += (int) n;
            } while (at < chunk);
            done += chunk;
        }
        return true;
    }

    private void writeBuffered(long position, byte[] src, int off, int len) throws IOException {
        MemorySegment seg = MemorySegment.ofArray(src);
        MemorySegment state = STATE_SEG.get();
        long done = 0;
        while (done < len) {
            long n;
            try {
                n = (long) PWRITE.invokeExact(state, fd, seg.asSlice(off + done), (long) Math.min(MAX_CALL, len - done),
                    position + done);
            } catch (Throwable t) {
                throw new IOException("pwrite failed: " + t, t);
            }
            if (n < 0 && errno(state) == EINTR) {
                continue;
            }
            if (n <= 0) {
                throw new IOException("pwrite of " + (len - done) + " bytes at " + (position + done) + " failed: "
                    + (n == 0 ? "nothing written" : describe(errno(state))));
            }
            done += n;
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** The errno with its name for the ones an image file can give. */
    static String describe(int errno) {
        String name = switch (errno) {
            case 5 -> "EIO";
            case 27 -> "EFBIG";
            case 28 -> "ENOSPC";
            case 122 -> "EDQUOT";
            case 9 -> "EBADF";
            case 22 -> "EINVAL";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }

    /** Reads {@code len} bytes at {@code position}; returns how many there were before end of file. */
    int read(long position, byte[] dst, int off, int len) throws IOException {
        MemorySegment seg = MemorySegment.ofArray(dst);
        MemorySegment state = STATE_SEG.get();
        int done = 0;
        while (done < len) {
            long n;
            try {
                n = (long) PREAD.invokeExact(state, fd, seg.asSlice(off + done), (long) Math.min(MAX_CALL, len - done),
                    position + done);
            } catch (Throwable t) {
                throw new IOException("pread failed: " + t, t);
            }
            if (n < 0 && errno(state) == EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException("pread of " + (len - done) + " bytes at " + (position + done) + " failed: "
                    + describe(errno(state)));
            }
            if (n == 0) {
                break;
            }
            done += (int) n;
        }
        return done;
    }

    @Override
    public void close() {
        closeFd(fd);
        int b = bypassFd;
        if (b >= 0) {
            closeFd(b);
        }
    }

    private static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd); // close(2) errors leave nothing to do
        } catch (Throwable t) {
            // nothing to do
        }
    }
}
