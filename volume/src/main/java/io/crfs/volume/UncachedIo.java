package io.crfs.volume;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Large aligned reads and writes of an image past the page cache: a descriptor opened with
 * O_DIRECT, and an aligned native buffer the bytes go through (Java arrays are not aligned).
 * File data comes and goes in batches and READs of up to 8 MiB that clients cache themselves;
 * copying it through the image's page cache cost crfsd a fresh kernel page per 4 KiB (a quarter
 * of both CPUs during a fresh mount's first large write, three times the CPU of a read into warm
 * pages in the first read after that), and for writes a flush later. Items and small reads and
 * writes keep the page cache. What this gives up: several clients reading the same large file
 * each read it from the disk. The kernel keeps the two kinds of access coherent (a direct write
 * writes back and drops the cached pages of its range first).
 *
 * <p>If the file system refuses an aligned direct read or write (EINVAL), direct I/O is off for
 * good and every call answers false: the caller then uses the page cache, as it does for any
 * other false. Thread-safe (one call at a time).
 */
final class UncachedIo implements AutoCloseable {
    /** Reads and writes at least this large, and aligned to {@link #ALIGN}, go past the page cache. */
    static final int MIN = 256 << 10;
    /** A multiple of every logical block size in use (512 and 4096). */
    static final int ALIGN = 4096;
    private static final int BOUNCE = 4 << 20;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UncachedIo.class);

    private final Path path;
    private DirectIo io;
    private final Arena arena = Arena.ofShared();
    private MemorySegment bounce;
    private DirectReadAhead ahead;
    /** Bytes written and read past the page cache so far (for tests). */
    long bytesWritten;
    long bytesRead;

    private UncachedIo(Path path, DirectIo io) {
        this.path = path;
        this.io = io;
    }

    /** Direct I/O on {@code path}, or null where the file system (tmpfs, say) or the JVM has none. */
    static UncachedIo open(Path path) {
        DirectIo io = DirectIo.openUncached(path);
        return io == null ? null : new UncachedIo(path, io);
    }

    static boolean suits(long position, int length) {
        return length >= MIN && ((position | length) & (ALIGN - 1)) == 0;
    }

    /** Writes {@code src[off, off+len)} at {@code position}; false if direct I/O is off (nothing to undo: write it again). */
    synchronized boolean write(long position, byte[] src, int off, int len) throws IOException {
        if (!ready()) {
            return false;
        }
        for (int done = 0; done < len; ) {
            int n = Math.min(BOUNCE, len - done);
            MemorySegment.copy(src, off + done, bounce, ValueLayout.JAVA_BYTE, 0, n);
            try {
                io.write(position + done, bounce, 0, n);
            } catch (DirectIo.CallFailed e) {
                if (e.errno != DirectIo.EINVAL) {
                    throw e;
                }
                refused(e);
                return false;
            }
            done += n;
        }
        bytesWritten += len;
        return true;
    }

    /**
     * Reads {@code len} bytes at {@code position} into {@code dst} at {@code off}; false if it
     * could not (direct I/O off, a failed call, the end of the file): the caller reads the usual
     * way, which also reports a failure of the disk itself.
     */
    synchronized boolean read(long position, MemorySegment dst, long off, int len) {
        if (!ready()) {
            return false;
        }
        int fromWindows = ahead.take(position, dst, off, len);
        for (int done = fromWindows; done < len; ) {
            int n = Math.min(BOUNCE, len - done);
            try {
                if (io.read(position + done, bounce, 0, n) < n) {
                    return false;
                }
            } catch (IOException e) {
                if (e instanceof DirectIo.CallFailed f && f.errno == DirectIo.EINVAL) {
                    refused(e);
                }
                return false;
            }
            MemorySegment.copy(bounce, 0, dst, off + done, n);
            done += n;
        }
        ahead.after(position, position + len, fromWindows > 0);
        bytesRead += len;
        return true;
    }

    /** Tells the read-ahead that {@code [position, position+len)} is being written, by any path. */
    synchronized void written(long position, long len) {
        if (ahead != null) {
            ahead.written(position, len);
        }
    }

    /** Bytes reads took from the read-ahead (for tests). */
    synchronized long bytesReadAhead() {
        return ahead == null ? 0 : ahead.bytesAhead;
    }

    private boolean ready() {
        if (io == null) {
            return false;
        }
        if (bounce == null) {
            bounce = arena.allocate(BOUNCE, ALIGN);
            ahead = new DirectReadAhead(io);
        }
        return true;
    }

    private void closeReadAhead() {
        if (ahead != null) {
            ahead.close();
            ahead = null;
        }
    }

    private void refused(IOException why) {
        LOG.debug("{}: direct I/O refused ({}); using the page cache", path, why.getMessage());
        closeReadAhead();
        io.close();
        io = null;
    }

    @Override
    public synchronized void close() {
        closeReadAhead();
        if (io != null) {
            io.close();
            io = null;
        }
        arena.close();
    }
}
