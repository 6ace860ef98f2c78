package io.crfs.volume;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A {@link BlockDevice} over a file or block device, locked exclusively while open. */
public final class FileBlockDevice implements BlockDevice {
    private final Path path;
    private final FileChannel ch;
    private final FileLock lock;
    /** The same file for array I/O without the channel's bounce buffer (null: the channel does it all). */
    private final DirectIo direct;
    /**
     * The same file with O_DIRECT, for large aligned reads and writes of file data (null: none,
     * or the file system refused a write). Such data comes and goes in batches and READs of up
     * to 8 MiB that clients cache themselves; copying it through the image's page cache cost
     * crfsd a fresh kernel page per 4 KiB (a quarter of both CPUs during a fresh mount's first
     * large write) and, for writes, a flush later. Items and small reads and writes keep the
     * page cache. What this gives up: several clients reading the same large file each read it
     * from the disk.
     */
    private volatile DirectIo uncached;
    /** Aligned native memory the uncached writes go through (Java arrays are not aligned). */
    private java.lang.foreign.MemorySegment bounce;
    private final java.lang.foreign.Arena bounceArena = java.lang.foreign.Arena.ofShared();
    /** Writes at least this large, and aligned to {@link #UNCACHED_ALIGN}, go to {@link #uncached}. */
    static final int UNCACHED_MIN = 256 << 10;
    /** A multiple of every logical block size in use (512 and 4096). */
    static final int UNCACHED_ALIGN = 4096;
    private static final int BOUNCE = 4 << 20;

    private final Object fileKey;

    private FileBlockDevice(Path path, FileChannel ch, FileLock lock, Object fileKey) {
        this.path = path;
        this.ch = ch;
        this.lock = lock;
        this.fileKey = fileKey;
        this.direct = DirectIo.open(path);
        this.uncached = Boolean.parseBoolean(System.getProperty("crfs.uncachedData", "true")) ? DirectIo.openUncached(path) : null;
    }

    /**
     * Files this process has open as volumes. The lock is an fcntl lock, which belongs to the
     * process and goes away when the process closes <em>any</em> descriptor of the file: a
     * second open in this JVM must be refused before it opens one, not after.
     */
    private static final java.util.Set<Object> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static FileBlockDevice open(Path path, boolean create) throws IOException {
        if (create && !java.nio.file.Files.exists(path)) {
            FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW).close();
        }
        Object key = java.nio.file.Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        if (!OPEN.add(key)) {
            throw new VolumeInUseException(path + " is already open in this process; close it first");
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new VolumeInUseException(path + " is in use by another crfs process (it holds the lock); stop that process (crfs serve?) first");
            }
            return new FileBlockDevice(path, ch, lock, key);
        } catch (IOException | RuntimeException e) {
            OPEN.remove(key);
            throw e;
        }
    }

    @Override
    public void read(long position, byte[] dst, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, dst.length);
        read(position, java.lang.foreign.MemorySegment.ofArray(dst), offset, length);
    }

    @Override
    public void read(long position, java.lang.foreign.MemorySegment dst, long offset, int length) throws IOException {
        if (uncached != null && length >= UNCACHED_MIN && ((position | length) & (UNCACHED_ALIGN - 1)) == 0
                && readUncached(position, dst, offset, length)) {
            return;
        }
        if (direct != null) {
            if (direct.read(position, dst, offset, length) < length) {
                throw pastEnd(position, length);
            }
            return;
        }
        ByteBuffer b = dst.asSlice(offset, length).asByteBuffer();
        long p = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw pastEnd(position, length);
            }
            p += n;
        }
    }

    private EOFException pastEnd(long position, int length) throws IOException {
        return new EOFException(path + ": read of " + length + " bytes at " + position + " runs past the end ("
                + ch.size() + " bytes); the image is truncated");
    }

    @Override
    public void write(long position, byte[] src, int offset, int length) throws IOException {
        if (uncached != null && length >= UNCACHED_MIN && ((position | length) & (UNCACHED_ALIGN - 1)) == 0
                && writeUncached(position, src, offset, length)) {
            return;
        }
        if (direct != null) {
            direct.write(position, src, offset, length);
        } else {
            ByteBuffer b = ByteBuffer.wrap(src, offset, length);
            long p = position;
            while (b.hasRemaining()) {
                p += ch.write(b, p);
            }
        }
        writeBehind(length);
    }

    /**
     * Writes through {@link #uncached}, 4 MiB at a time by way of {@link #bounce}; false if the
     * file system refused an aligned direct write (EINVAL), which turns them off for this device
     * (the caller then writes the range the usual way).
     */
    private synchronized boolean writeUncached(long position, byte[] src, int offset, int length) throws IOException {
        DirectIo u = uncached;
        if (u == null) {
            return false;
        }
        if (bounce == null) {
            bounce = bounceArena.allocate(BOUNCE, UNCACHED_ALIGN);
        }
        for (int done = 0; done < length; ) {
            int n = Math.min(BOUNCE, length - done);
            java.lang.foreign.MemorySegment.copy(src, offset + done, bounce, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
            try {
                u.write(position + done, bounce, 0, n);
            } catch (DirectIo.CallFailed e) {
                if (e.errno != DirectIo.EINVAL) {
                    throw e;
                }
                refused(u, e);
                return false;
            }
            done += n;
        }
        uncachedBytes += length;
        return true;
    }

    /**
     * Reads through {@link #uncached} by way of {@link #bounce}: a large read (a client's READ
     * ahead of a sequential reader) fills no page of the image's page cache either. Freshly
     * allocated page-cache pages had cost crfsd three times the CPU of a read into warm ones
     * (the first read after writes that skipped the cache ran at 310-420 MB/s, a second at
     * 780-830). False if the direct read failed: the caller reads the usual way.
     */
    private synchronized boolean readUncached(long position, java.lang.foreign.MemorySegment dst, long offset, int length) throws IOException {
        DirectIo u = uncached;
        if (u == null) {
            return false;
        }
        if (bounce == null) {
            bounce = bounceArena.allocate(BOUNCE, UNCACHED_ALIGN);
        }
        for (int done = 0; done < length; ) {
            int n = Math.min(BOUNCE, length - done);
            int got;
            try {
                got = u.read(position + done, bounce, 0, n);
            } catch (DirectIo.CallFailed e) {
                if (e.errno == DirectIo.EINVAL) {
                    refused(u, e);
                }
                return false; // read again the usual way, which reports a failure of the disk itself
            }
            if (got < n) {
                throw pastEnd(position, length);
            }
            java.lang.foreign.MemorySegment.copy(bounce, 0, dst, offset + done, n);
            done += n;
        }
        uncachedReadBytes += length;
        return true;
    }

    /** Bytes read past the page cache so far (for tests). */
    long uncachedReadBytes;

    /** The file system refused an aligned direct read or write: from now on all go through the page cache. */
    private void refused(DirectIo u, IOException why) {
        org.slf4j.LoggerFactory.getLogger(FileBlockDevice.class).debug(
            "{}: direct I/O refused ({}); using the page cache", path, why.getMessage());
        uncached = null;
        u.close();
    }

    /** Bytes written past the page cache so far (for tests). */
    long uncachedBytes;

    /** Bytes written since the last background flush was started. */
    static final long WRITE_BEHIND_BYTES = Long.getLong("crfs.writeBehindBytes", 32L << 20);
    private long unflushed;
    private final java.util.concurrent.atomic.AtomicBoolean flushing = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Write-behind: every {@link #WRITE_BEHIND_BYTES} written, a background fdatasync starts, so
     * that the image's dirty pages go to disk while writing goes on and a commit's barrier finds
     * little left to do (instead of stalling on everything written since the last commit).
     * Durability still comes from {@link #flush()} alone; this only moves the work earlier.
     */
    private void writeBehind(int length) {
        unflushed += length;
        if (WRITE_BEHIND_BYTES > 0 && unflushed >= WRITE_BEHIND_BYTES && flushing.compareAndSet(false, true)) {
            unflushed = 0;
            Thread.ofPlatform().daemon().name("crfs-write-behind").start(() -> {
                try {
                    ch.force(false);
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile, or the disk failed: the next barrier reports it
                } finally {
                    flushing.set(false);
                }
            });
        }
    }

    @Override
    public void flush() throws IOException {
        ch.force(true);
    }

    @Override
    public long size() throws IOException {
        return ch.size();
    }

    public void setSize(long size) throws IOException {
        if (ch.size() < size) {
            ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
        } else if (ch.size() > size) {
            ch.truncate(size);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                if (direct != null) {
                    direct.close();
                }
                DirectIo u = uncached;
                if (u != null) {
                    u.close();
                }
                synchronized (this) {
                    bounceArena.close();
                }
                ch.close();
            } finally {
                OPEN.remove(fileKey);
            }
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
