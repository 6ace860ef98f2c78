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
 */
final class DirectIo implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final MethodHandle OPEN;
    private static final MethodHandle PREAD;
    private static final MethodHandle PWRITE;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle open = null, pread = null, pwrite = null, close = null;
        try {
            Linker l = Linker.nativeLinker();
            var libc = l.defaultLookup();
            open = l.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            var io = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
            var errno = Linker.Option.captureCallState("errno");
            pread = l.downcallHandle(libc.find("pread").orElseThrow(), io, Linker.Option.critical(true), errno);
            pwrite = l.downcallHandle(libc.find("pwrite").orElseThrow(), io, Linker.Option.critical(true), errno);
            close = l.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        } catch (RuntimeException | Error e) {
            open = null; // no native access: channels only
        }
        OPEN = open;
        PREAD = pread;
        PWRITE = pwrite;
        CLOSE = close;
    }

    private static final java.lang.foreign.StructLayout STATE = Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO =
        STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE_SEG = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));
    private static final int EINTR = 4;

    private final int fd;

    private DirectIo(int fd) {
        this.fd = fd;
    }

    /** The file opened again for direct array I/O, or null if that is not possible here. */
    static DirectIo open(Path path) {
        return open(path, 0);
    }

    private static final int O_DIRECT = 040000;

    /**
     * The file opened again with O_DIRECT (writes go to the device, past the page cache), or null
     * where that is not possible (no native access, or a file system without direct I/O, such as
     * tmpfs). Buffers, positions and lengths must then be aligned to the device's logical block.
     */
    static DirectIo openUncached(Path path) {
        return open(path, O_DIRECT);
    }

    private static DirectIo open(Path path, int flags) {
        if (OPEN == null || Boolean.getBoolean("crfs.noDirectIo")) {
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom(path.toString()), O_RDWR | O_CLOEXEC | flags);
            return fd < 0 ? null : new DirectIo(fd);
        } catch (Throwable t) {
            return null;
        }
    }

    /** At most this much per call: a critical downcall holds the collector off for its length. */
    private static final int MAX_CALL = 4 << 20;

    /** Writes all of {@code src[off, off+len)} at {@code position}; retries calls a signal interrupted. */
    void write(long position, byte[] src, int off, int len) throws IOException {
        write(position, MemorySegment.ofArray(src), off, len);
    }

    /** Like {@link #write(long, byte[], int, int)}, from {@code seg} (heap or native) at {@code off}. */
    void write(long position, MemorySegment seg, long off, long len) throws IOException {
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
                int errno = n == 0 ? 0 : errno(state);
                throw new CallFailed("pwrite of " + (len - done) + " bytes at " + (position + done) + " failed: "
                    + (n == 0 ? "nothing written" : describe(errno)), errno);
            }
            done += n;
        }
    }

    /** A call the kernel refused, with its errno (0: it wrote nothing). */
    static final class CallFailed extends IOException {
        final int errno;

        CallFailed(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }

    static final int EINVAL = 22;

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
            case EINVAL -> "EINVAL";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }

    /** Reads {@code len} bytes at {@code position}; returns how many there were before end of file. */
    int read(long position, byte[] dst, int off, int len) throws IOException {
        return read(position, MemorySegment.ofArray(dst), off, len);
    }

    /** Like {@link #read(long, byte[], int, int)}, into {@code seg} (heap or native) at {@code off}. */
    int read(long position, MemorySegment seg, long off, int len) throws IOException {
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
                int errno = errno(state);
                throw new CallFailed("pread of " + (len - done) + " bytes at " + (position + done) + " failed: "
                    + describe(errno), errno);
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
        try {
            int ignored = (int) CLOSE.invokeExact(fd); // close(2) errors leave nothing to do
        } catch (Throwable t) {
            // nothing to do
        }
    }
}
