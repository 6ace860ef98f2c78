package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Tells the kernel to drop what it cached (FUSE notify messages: unique 0, error = code).
 * Each method returns true if the kernel acted, false if it had nothing cached for that
 * inode or name (ENOENT) or the mount is gone; other failures throw {@link FuseException}.
 *
 * <p>Do not call these from inside an operation on the same inode or directory: the kernel
 * may hold that inode's lock while waiting for the reply, and the notification waits for
 * the lock (deadlock). Call them from another thread (e.g. the one handling a revoke).
 */
public final class FuseNotifier {
    /** Writes one whole message to the device; returns 0 or a positive errno. */
    @FunctionalInterface
    interface Sink {
        int write(ByteBuffer message);
    }

    private final Sink sink;

    FuseNotifier(Sink sink) {
        this.sink = sink;
    }

    /**
     * Invalidates the attributes of {@code ino} and, if {@code offset >= 0}, its cached pages
     * from {@code offset} for {@code length} bytes ({@code length <= 0}: to the end of file).
     * {@code offset < 0} invalidates the attributes only.
     */
    public boolean notifyInvalInode(long ino, long offset, long length) {
        return send(invalInode(ino, offset, length));
    }

    /** Invalidates the dentry {@code parent/name} (and the parent's attributes). */
    public boolean notifyInvalEntry(long parent, String name) {
        return send(invalEntry(parent, name));
    }

    /**
     * Like {@link #notifyInvalEntry}, but also tells the kernel that {@code child} was deleted
     * (it drops the dentry only if it still points at {@code child}; open files stay usable).
     */
    public boolean notifyDelete(long parent, long child, String name) {
        return send(delete(parent, child, name));
    }

    /**
     * Makes every dentry the kernel cached so far invalid (FUSE_NOTIFY_INC_EPOCH, kernel 6.16 and
     * later): the next path walk through each asks LOOKUP again. It takes no kernel lock, so unlike
     * {@link #notifyInvalEntry} it may be sent while operations on the same directory wait for us.
     * A lookup still in flight when it is sent is not trusted afterwards either. Returns false if
     * the kernel does not know the message (older kernels: EINVAL) or the mount is gone.
     */
    public boolean notifyIncEpoch() {
        int errno = sink.write(header(0, Wire.NOTIFY_INC_EPOCH).flip());
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.EINVAL || errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.EBADF) {
            return false;
        }
        throw new FuseException(errno, "notify failed: " + Errno.name(errno));
    }

    private boolean send(ByteBuffer msg) {
        int errno = sink.write(msg);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.EBADF) {
            return false;
        }
        throw new FuseException(errno, "notify failed: " + Errno.name(errno));
    }

    static ByteBuffer invalInode(long ino, long offset, long length) {
        ByteBuffer b = header(24, Wire.NOTIFY_INVAL_INODE);
        b.putLong(ino).putLong(offset).putLong(length);
        return b.flip();
    }

    static ByteBuffer invalEntry(long parent, String name) {
        byte[] n = name(name);
        ByteBuffer b = header(16 + n.length + 1, Wire.NOTIFY_INVAL_ENTRY);
        b.putLong(parent).putInt(n.length).putInt(0).put(n).put((byte) 0);
        return b.flip();
    }

    static ByteBuffer delete(long parent, long child, String name) {
        byte[] n = name(name);
        ByteBuffer b = header(24 + n.length + 1, Wire.NOTIFY_DELETE);
        b.putLong(parent).putLong(child).putInt(n.length).putInt(0).put(n).put((byte) 0);
        return b.flip();
    }

    private static byte[] name(String name) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        if (n.length == 0 || n.length > 1024 || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new FuseException(Errno.EINVAL, "bad name for notify: " + name);
        }
        return n;
    }

    /** The longest message: a delete's header, parent, child, name length and a 1024-byte name. */
    private static final int MAX_MESSAGE = Wire.OUT_HEADER_SIZE + 24 + 1024 + 1;

    /**
     * Each thread's message buffer: a message is written to the device before the thread makes
     * the next. A fresh direct buffer per message cost a cleaner each: a revoke over a range can
     * tell the kernel about thousands of inodes, and two mounts under fsstress made 18 million,
     * with the collector and the direct-memory limit fighting over them (8 GB resident, the
     * mounts at a crawl).
     */
    private static final ThreadLocal<ByteBuffer> OUT =
            ThreadLocal.withInitial(() -> Wire.direct(MAX_MESSAGE));

    private static ByteBuffer header(int bodyLen, int code) {
        int len = Wire.OUT_HEADER_SIZE + bodyLen;
        ByteBuffer b = OUT.get().clear();
        return b.putInt(len).putInt(code).putLong(0);
    }
}
