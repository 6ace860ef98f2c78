package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request's bytes into one reply's bytes, with no transport: testable without a
 * mount. Thread-safe; each worker passes its own buffers. An exception in an operation
 * becomes an error reply (FuseException → its errno, anything else → EIO and one log line).
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    final FuseFileSystem fs;
    final FuseMount.Options options;
    private final ConcurrentHashMap<Long, FuseContext> inflight = new ConcurrentHashMap<>();
    private volatile int minor;
    private volatile boolean uringOffered;
    private volatile boolean uring;

    Dispatcher(FuseFileSystem fs, FuseMount.Options options) {
        this.fs = fs;
        this.options = options;
    }

    /** The protocol minor agreed in INIT, 0 before. */
    int minor() {
        return minor;
    }

    /** INIT may agree on FUSE-over-io_uring (the transport can serve it). */
    void offerUring() {
        uringOffered = true;
    }

    /** The ring could not be set up and was turned off: requests come through /dev/fuse. */
    void ringRefused() {
        uring = false;
    }

    /** INIT agreed on FUSE-over-io_uring (and it was not turned off since): ring queues serve requests. */
    boolean uring() {
        return uring;
    }

    /** Test convenience: the reply's bytes, empty when no reply is due. */
    byte[] handle(byte[] request) {
        ByteBuffer out = Wire.le(ByteBuffer.allocate(options.maxWrite() + Wire.PAGE_SIZE));
        int n = handle(Wire.le(ByteBuffer.wrap(request)), out);
        return Arrays.copyOf(out.array(), n);
    }

    /**
     * When each thread that serves requests through {@link #handleTracked} started its current
     * one (System.nanoTime; 0: idle), a slot per thread. Threads past the last slot go untracked.
     */
    private final java.util.concurrent.atomic.AtomicLongArray servingSince = new java.util.concurrent.atomic.AtomicLongArray(256);
    private final java.util.concurrent.atomic.AtomicInteger slotsTaken = new java.util.concurrent.atomic.AtomicInteger();
    private final ThreadLocal<Integer> slot = ThreadLocal.withInitial(() -> {
        int i = slotsTaken.getAndIncrement();
        return i < servingSince.length() ? i : -1;
    });

    /**
     * {@link #handle} for a request that others may wait for while it is served: on a thread that
     * takes requests from the kernel (a ring queue's, or a /dev/fuse worker: the requests queued
     * for it wait), or a large READ (the kernel keeps its pages locked). Lock waits and fsyncs
     * are not tracked: nothing queues behind them, and they hold no page locks.
     */
    int handleTracked(ByteBuffer in, ByteBuffer out) {
        return handleTracked(in, out, false);
    }

    /** {@link #handleTracked}; with {@code movable}, the operation may move the request ({@link #MOVED}). */
    int handleTracked(ByteBuffer in, ByteBuffer out, boolean movable) {
        int i = slot.get();
        if (i < 0) {
            return handle(in, out, movable);
        }
        servingSince.set(i, System.nanoTime() | 1); // never 0
        try {
            return handle(in, out, movable);
        } finally {
            servingSince.set(i, 0);
        }
    }

    /** Requests moved off the thread that took them, by unique: when each started ({@link #handleMoved}). */
    private final ConcurrentHashMap<Long, Long> movedSince = new ConcurrentHashMap<>();

    /**
     * {@link #handle} for a request an operation moved off the thread that took it, on a thread of
     * its own: tracked like the others (a READ that waits for a server holds its pages locked),
     * not by thread (the threads come and go).
     */
    int handleMoved(ByteBuffer in, ByteBuffer out) {
        long unique = in.getLong(in.position() + 8);
        movedSince.put(unique, System.nanoTime());
        try {
            return handle(in, out, false);
        } finally {
            movedSince.remove(unique);
        }
    }

    /** How long the longest-served of the requests now in {@link #handleTracked} has been served (0: none). */
    long longestServingNanos() {
        long now = System.nanoTime(), longest = 0;
        for (int i = 0, n = Math.min(slotsTaken.get(), servingSince.length()); i < n; i++) {
            long since = servingSince.get(i);
            if (since != 0) {
                longest = Math.max(longest, now - since);
            }
        }
        for (long since : movedSince.values()) {
            longest = Math.max(longest, now - since);
        }
        return longest;
    }

    /**
     * Handles the request in {@code in} (position 0, limit = bytes read; little-endian) and
     * writes the reply into {@code out} from index 0. Returns the reply length, 0 for none.
     * Never throws.
     */
    int handle(ByteBuffer in, ByteBuffer out) {
        return handle(in, out, false);
    }

    /** Returned by {@link #handle(ByteBuffer, ByteBuffer, boolean)} when the operation moved the request: nothing was written. */
    static final int MOVED = -1;

    /**
     * {@link #handle(ByteBuffer, ByteBuffer)}; with {@code movable}, an operation that throws
     * {@link MoveRequest} makes it return {@link #MOVED}, and the caller runs the request again
     * elsewhere ({@link #handleMoved}).
     */
    int handle(ByteBuffer in, ByteBuffer out, boolean movable) {
        int n = in.remaining();
        if (n < Wire.IN_HEADER_SIZE) {
            log.warn("fuse: dropped a {}-byte request, shorter than fuse_in_header", n);
            return 0;
        }
        int base = in.position();
        int len = in.getInt(base);
        int opcode = in.getInt(base + 4);
        long unique = in.getLong(base + 8);
        long nodeId = in.getLong(base + 16);
        var ctx = new FuseContext(unique, in.getInt(base + 24), in.getInt(base + 28), in.getInt(base + 32));
        ctx.movable(movable);
        int extLen = (in.getShort(base + 36) & 0xffff) * 8;
        OpTable.Op op = OpTable.get(opcode);
        boolean reply = op == null || op.reply();
        if (len != n || extLen > n - Wire.IN_HEADER_SIZE) {
            log.warn("fuse: {} unique {}: header len {} but {} bytes read", OpTable.name(opcode), unique, len, n);
            return reply ? error(out, unique, Errno.EINVAL) : 0;
        }
        if (op == null) {
            log.debug("fuse: unknown opcode {} unique {}", opcode, unique);
            return error(out, unique, Errno.ENOSYS);
        }
        ByteBuffer body = Wire.le(in.slice(base + Wire.IN_HEADER_SIZE, n - Wire.IN_HEADER_SIZE - extLen));
        if (body.remaining() < op.minIn()) {
            log.warn("fuse: {} unique {}: body {} bytes, need {}", op.name(), unique, body.remaining(), op.minIn());
            return reply ? error(out, unique, Errno.EINVAL) : 0;
        }
        if (log.isDebugEnabled()) {
            log.debug("fuse: {} unique {} node {} len {} uid {} pid {}", op.name(), unique, nodeId, n, ctx.uid(),
                ctx.pid());
        }
        out.clear();
        out.position(Wire.OUT_HEADER_SIZE);
        var r = new Request(opcode, unique, nodeId, ctx, body, out);
        inflight.put(unique, ctx);
        try {
            op.handler().handle(this, r);
        } catch (Retry e) {
            return error(out, unique, Errno.EAGAIN);
        } catch (MoveRequest e) {
            if (movable && reply) {
                return MOVED;
            }
            log.warn("fuse: {} node {} asked to move a request that cannot move, replying EIO", op.name(), nodeId);
            return reply ? error(out, unique, Errno.EIO) : 0;
        } catch (FuseException e) {
            if (!reply) {
                return 0;
            }
            if (e.errno() != Errno.ENOSYS && e.errno() != Errno.ENOENT && log.isDebugEnabled()) {
                log.debug("fuse: {} node {}: {}", op.name(), nodeId, e.getMessage());
            }
            return error(out, unique, e.errno());
        } catch (Throwable e) {
            log.warn("fuse: {} node {} failed, replying EIO: {}", op.name(), nodeId, e.toString());
            log.debug("fuse: stack trace", e);
            return reply ? error(out, unique, Errno.EIO) : 0;
        } finally {
            inflight.remove(unique);
        }
        if (!reply) {
            return 0;
        }
        int replyLen = out.position();
        Wire.putOutHeader(out, replyLen, 0, unique);
        return replyLen;
    }

    /** Thrown by a no-reply handler that wants an EAGAIN reply after all (INTERRUPT). */
    static final class Retry extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retry() {
            super(null, null, false, false);
        }
    }

    private static int error(ByteBuffer out, long unique, int errno) {
        out.clear();
        Wire.putOutHeader(out, Wire.OUT_HEADER_SIZE, -errno, unique);
        return Wire.OUT_HEADER_SIZE;
    }

    static void init(Dispatcher d, Request r) {
        int major = r.u32(), kminor = r.u32(), kreadahead = r.u32(), kflags = r.u32();
        int kflags2 = r.in.remaining() >= 4 ? r.u32() : 0;
        if (major < Wire.KERNEL_VERSION || (major == Wire.KERNEL_VERSION && kminor < Wire.MIN_KERNEL_MINOR)) {
            throw new FuseException(Errno.EPROTO, "kernel protocol " + major + "." + kminor + " too old");
        }
        ByteBuffer o = r.out;
        if (major > Wire.KERNEL_VERSION) { // the kernel then re-sends INIT with our major
            o.putInt(Wire.KERNEL_VERSION).putInt(Wire.KERNEL_MINOR_VERSION).put(new byte[Wire.INIT_OUT_SIZE - 8]);
            return;
        }
        var opt = d.options;
        int want = Wire.ASYNC_READ | Wire.BIG_WRITES | Wire.ATOMIC_O_TRUNC | Wire.PARALLEL_DIROPS | Wire.MAX_PAGES;
        if (opt.readdirplus()) {
            want |= Wire.DO_READDIRPLUS | Wire.READDIRPLUS_AUTO;
        }
        if (opt.locks()) {
            want |= Wire.POSIX_LOCKS | Wire.FLOCK_LOCKS;
        }
        if (opt.autoInvalData()) {
            want |= Wire.AUTO_INVAL_DATA;
        }
        if (opt.handleKillpriv()) {
            want |= Wire.HANDLE_KILLPRIV_V2;
        }
        if (opt.posixAcl()) {
            want |= Wire.POSIX_ACL | Wire.DONT_MASK;
        }
        int flags = want & kflags;
        int pages = (flags & Wire.MAX_PAGES) != 0 ? Math.min(opt.maxWrite() / Wire.PAGE_SIZE, 0xffff) : 32;
        int maxWrite = Math.max(Wire.PAGE_SIZE, Math.min(opt.maxWrite(), pages * Wire.PAGE_SIZE));
        int minor = Math.min(kminor, Wire.KERNEL_MINOR_VERSION);
        int flags2 = 0;
        if (d.uringOffered && (kflags & Wire.INIT_EXT) != 0 && (kflags2 & Wire.OVER_IO_URING2) != 0) {
            flags |= Wire.INIT_EXT;
            flags2 |= Wire.OVER_IO_URING2;
            d.uring = true;
        }
        o.putInt(Wire.KERNEL_VERSION).putInt(minor)
            .putInt(Math.min(kreadahead, opt.maxReadahead())).putInt(flags)
            .putShort((short) opt.maxBackground()).putShort((short) (opt.maxBackground() * 3 / 4))
            .putInt(maxWrite).putInt(1) // time_gran: nanoseconds
            .putShort((short) Math.max(1, pages)).putShort((short) 0).putInt(flags2);
        o.put(new byte[28]);
        if (minor < 23) {
            o.position(Wire.OUT_HEADER_SIZE + 24);
        }
        d.minor = minor;
        log.info("fuse: INIT kernel {}.{} flags {} flags2 {}; agreed 7.{} flags {} flags2 {} max_write {}", major,
            kminor, Integer.toHexString(kflags), Integer.toHexString(kflags2), minor, Integer.toHexString(flags),
            Integer.toHexString(flags2), maxWrite);
    }

    /**
     * No reply, except EAGAIN when the target is not (yet) being handled: another worker may
     * have read it but not started it; the kernel then queues the interrupt again (or drops
     * it if the target has been answered meanwhile).
     */
    static void interrupt(Dispatcher d, Request r) {
        long target = r.u64();
        FuseContext victim = d.inflight.get(target);
        if (victim == null) {
            throw new Retry();
        }
        victim.interrupt();
        try {
            d.fs.interrupt(r.ctx, target);
        } catch (FuseException e) {
            // ENOSYS by default: the context flag is all most file systems need
        }
    }
}
