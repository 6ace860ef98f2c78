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
    /** Large aligned file data past the page cache (null: not possible here, or turned off). */
    private final UncachedIo uncached;

    private final Object fileKey;

    private FileBlockDevice(Path path, FileChannel ch, FileLock lock, Object fileKey) {
        this.path = path;
        this.ch = ch;
        this.lock = lock;
        this.fileKey = fileKey;
        this.direct = DirectIo.open(path);
        this.uncached = Boolean.parseBoolean(System.getProperty("crfs.uncachedData", "true")) ? UncachedIo.open(path) : null;
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
        if (uncached != null && UncachedIo.suits(position, length) && uncached.read(position, dst, offset, length)) {
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
        if (uncached != null) {
            uncached.written(position, length); // whichever way it goes, a read-ahead of it is stale
        }
        if (uncached != null && UncachedIo.suits(position, length) && uncached.write(position, src, offset, length)) {
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

    /** Bytes written past the page cache so far (for tests). */
    long uncachedWritten() {
        return uncached == null ? 0 : uncached.bytesWritten;
    }

    /** Bytes read past the page cache so far (for tests). */
    long uncachedRead() {
        return uncached == null ? 0 : uncached.bytesRead;
    }

    /** Bytes reads took from the read-ahead of sequential direct reads (for tests). */
    long readAhead() {
        return uncached == null ? 0 : uncached.bytesReadAhead();
    }

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
        if (uncached != null) {
            uncached.written(0, Long.MAX_VALUE);
        }
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
                if (uncached != null) {
                    uncached.close();
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
