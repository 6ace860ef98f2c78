package io.crfs.nio;

import io.crfs.posix.Attr;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * An open crfs file: {@link FileChannel} (and so {@link java.nio.channels.SeekableByteChannel})
 * over {@code PosixFs.read/write/ftruncate} of one inode. Opening registers the handle
 * ({@code PosixFs.open}) so a file unlinked while open lives until close. {@link #force} makes
 * everything durable on the server ({@code fsync} of the client). Locks: see {@link LockTable}.
 * Memory mapping is not supported.
 */
final class CrfsFileChannel extends FileChannel {
    private final CrfsFileSystemView view;
    private final CrfsPath path;
    private final long ino;
    private final boolean dir;
    private final Options options;
    private final long parent;
    private final byte[] name;
    private final Object positionLock = new Object();
    /** Lost-edit failures this channel has reported (each once, like a file description). */
    private final io.crfs.posix.PosixFs.ErrorMark errors;
    private long position;

    CrfsFileChannel(CrfsFileSystemView view, CrfsPath path, Attr a, Options options, long parent, byte[] name) {
        this.view = view;
        this.path = path;
        this.ino = a.ino();
        this.dir = a.isDir();
        this.options = options;
        this.parent = parent;
        this.name = name;
        view.posix().open(ino);
        this.errors = view.posix().errorMark(ino);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private void ensureReadable() throws IOException {
        ensureOpen();
        if (!options.read()) {
            throw new NonReadableChannelException();
        }
        if (dir) {
            throw Errors.errno(Errno.EISDIR, path, "is a directory");
        }
    }

    private void ensureWritable() throws ClosedChannelException {
        ensureOpen();
        if (!options.write()) {
            throw new NonWritableChannelException();
        }
    }

    private <T> T io(CrfsFileSystemView.Call<T> body) throws IOException {
        return view.io(path, null, body);
    }

    private int readAt(ByteBuffer dst, long pos) throws IOException {
        int len = Math.min(dst.remaining(), CrfsFileSystemView.CHUNK);
        if (len == 0) {
            return 0;
        }
        byte[] buf = new byte[len];
        int n = io(() -> view.posix().read(ino, pos, buf, 0, len));
        if (n <= 0) {
            return -1;
        }
        dst.put(buf, 0, n);
        return n;
    }

    /**
     * APPEND: each piece lands at the end of the file as the client knows it under its grant, in
     * the same operation (PosixFs.append), so appenders on several clients never overwrite each other.
     */
    private int append(ByteBuffer src) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int len = Math.min(src.remaining(), CrfsFileSystemView.CHUNK);
            byte[] buf = new byte[len];
            src.get(buf);
            long at = io(() -> view.posix().append(view.caller(), ino, buf, 0, len));
            position = at + len;
            total += len;
        }
        return total;
    }

    private int writeAt(ByteBuffer src, long pos) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int len = Math.min(src.remaining(), CrfsFileSystemView.CHUNK);
            byte[] buf = new byte[len];
            src.get(buf);
            long at = pos + total;
            int w = 0;
            while (w < len) {
                int off = w;
                w += io(() -> view.posix().write(view.caller(), ino, at + off, buf, off, len - off));
            }
            total += len;
        }
        if (options.sync()) {
            view.posix().sync();
        }
        view.fileSystem().changed(ino);
        return total;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureReadable();
        synchronized (positionLock) {
            int n = readAt(dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        ensureReadable();
        synchronized (positionLock) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                while (dsts[i].hasRemaining()) {
                    int n = readAt(dsts[i], position);
                    if (n <= 0) {
                        return total == 0 ? -1 : total;
                    }
                    position += n;
                    total += n;
                }
            }
            return total;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureWritable();
        synchronized (positionLock) {
            if (options.append()) {
                return append(src);
            }
            int n = writeAt(src, position);
            position += n;
            return n;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        synchronized (positionLock) {
            return options.append() ? size() : position;
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        synchronized (positionLock) {
            position = newPosition;
        }
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return io(() -> view.posix().getattr(ino).size());
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        ensureWritable();
        synchronized (positionLock) {
            if (size < size()) {
                io(() -> view.posix().ftruncate(view.caller(), ino, size));
                view.fileSystem().changed(ino);
            }
            if (position > size) {
                position = size;
            }
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        io(() -> {
            view.posix().fsync(ino, errors);
            return null;
        });
    }

    /**
     * A channel of the same crfs file system, on another regular file and not appending, which
     * a transfer reaches by copy_file_range (whole sectors shared by crfsd, no data moved); null
     * for any other channel, which gets the bytes.
     */
    private CrfsFileChannel copyPeer(Object other) {
        return other instanceof CrfsFileChannel c && c.view == view && c.ino != ino && !c.dir && !dir
                && !c.options.append() ? c : null;
    }

    /** copy_file_range from {@code from} at {@code fromPos} to {@code to} at {@code toPos}; returns the bytes copied. */
    private long copyRange(CrfsFileChannel from, long fromPos, CrfsFileChannel to, long toPos, long count) throws IOException {
        long n = io(() -> view.posix().copyFileRange(view.caller(), from.ino, fromPos, to.ino, toPos, count, 0));
        view.fileSystem().changed(to.ino);
        return n;
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        ensureReadable();
        CrfsFileChannel t = copyPeer(target);
        if (t != null && pos >= 0 && count >= 0) {
            t.ensureWritable();
            synchronized (t.positionLock) {
                long n = copyRange(this, pos, t, t.position, count);
                t.position += n;
                return n;
            }
        }
        return copy(pos, count, at -> (buf -> readAt(buf, at)), at -> (buf -> {
            while (buf.hasRemaining()) {
                target.write(buf);
            }
        }));
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        ensureWritable();
        if (pos > size()) {
            return 0; // as FileChannel: nothing is transferred past the end of the file
        }
        CrfsFileChannel s = copyPeer(src);
        if (s != null && pos >= 0 && count >= 0) {
            s.ensureReadable();
            synchronized (s.positionLock) {
                long n = copyRange(s, s.position, this, pos, count);
                s.position += n;
                return n;
            }
        }
        return copy(pos, count, at -> src::read, at -> (buf -> writeAt(buf, at)));
    }

    private interface Source {
        int read(ByteBuffer buf) throws IOException;
    }

    private interface Sink {
        void write(ByteBuffer buf) throws IOException;
    }

    /** The loop behind both transfers: chunks of at most CHUNK bytes until count or end of input. */
    private static long copy(long pos, long count, java.util.function.LongFunction<Source> in,
            java.util.function.LongFunction<Sink> out) throws IOException {
        if (pos < 0 || count < 0) {
            throw new IllegalArgumentException("negative position or count");
        }
        long done = 0;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CrfsFileSystemView.CHUNK, Math.max(count, 1)));
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = in.apply(pos + done).read(buf);
            if (n <= 0) {
                break;
            }
            buf.flip();
            out.apply(pos + done).write(buf);
            done += n;
        }
        return done;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureReadable();
        return readAt(dst, pos);
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureWritable();
        return writeAt(src, pos);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) {
        throw new UnsupportedOperationException("crfs files cannot be memory-mapped");
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        return takeLock(pos, size, shared, true);
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        return takeLock(pos, size, shared, false);
    }

    private FileLock takeLock(long pos, long size, boolean shared, boolean block) throws IOException {
        if (pos < 0 || size < 0 || pos + size < 0) {
            throw new IllegalArgumentException("bad lock range " + pos + "+" + size);
        }
        ensureOpen();
        if (shared && !options.read()) {
            throw new NonReadableChannelException();
        }
        if (!shared && !options.write()) {
            throw new NonWritableChannelException();
        }
        return view.fileSystem().locks().lock(this, ino, pos, size, shared, block);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        view.fileSystem().locks().releaseAll(this, ino);
        try {
            if (options.deleteOnClose() && name != null) {
                try {
                    Attr a = view.posix().lookup(view.caller(), parent, name);
                    if (a.ino() == ino) {
                        view.posix().unlink(view.caller(), parent, name);
                        view.fileSystem().changed(parent, ino);
                    }
                } catch (PosixException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                }
            }
            view.posix().release(ino);
            view.posix().checkWritten(ino, errors); // writes the store acknowledged and lost
        } catch (PosixException e) {
            throw Errors.map(e, path, null);
        }
    }
}
