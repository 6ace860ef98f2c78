package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance with 128-byte submission entries, used by one thread at a time (made
 * on one, then handed to the thread that serves it). Only what the FUSE ring transport needs: fill entries, submit and
 * wait, walk completions. Layouts are those of {@code <linux/io_uring.h>}.
 */
final class Uring implements AutoCloseable {
    static final int SQE_SIZE = 128;
    static final int OP_READ = 22, OP_URING_CMD = 46;
    private static final int SETUP_COOP_TASKRUN = 1 << 8, SETUP_SQE128 = 1 << 10;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final int ENTER_GETEVENTS = 1;
    private static final long OFF_SQES = 0x10000000L;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment rings;
    private final MemorySegment sqes;
    private final long sqHead, sqTail, cqHead, cqTail, cqes;
    private final int sqMask, cqMask, sqEntries;
    private int tail; // next submission slot (ours alone)
    private int submitted; // tail as last given to the kernel

    private Uring(int fd, MemorySegment rings, MemorySegment sqes, MemorySegment p) {
        this.fd = fd;
        this.rings = rings;
        this.sqes = sqes;
        sqEntries = p.get(JAVA_INT, 0);
        sqHead = p.get(JAVA_INT, 40);
        sqTail = p.get(JAVA_INT, 44);
        sqMask = rings.get(JAVA_INT, p.get(JAVA_INT, 48));
        long sqArray = p.get(JAVA_INT, 64);
        cqHead = p.get(JAVA_INT, 80);
        cqTail = p.get(JAVA_INT, 84);
        cqMask = rings.get(JAVA_INT, p.get(JAVA_INT, 88));
        cqes = p.get(JAVA_INT, 100);
        for (int i = 0; i < sqEntries; i++) { // slot i always holds entry i
            rings.set(JAVA_INT, sqArray + 4L * i, i);
        }
        tail = (int) INT.getAcquire(rings, sqTail);
        submitted = tail;
    }

    static Uring open(int entries) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(120, 8);
            p.set(JAVA_INT, 8, SETUP_SQE128 | SETUP_COOP_TASKRUN);
            int fd = Native.ioUringSetup(entries, p);
            if (fd < 0) {
                throw new IOException("io_uring_setup: " + Errno.name(-fd));
            }
            if ((p.get(JAVA_INT, 20) & FEAT_SINGLE_MMAP) == 0) {
                Native.close(fd);
                throw new IOException("io_uring: kernel lacks IORING_FEAT_SINGLE_MMAP");
            }
            int sqN = p.get(JAVA_INT, 0), cqN = p.get(JAVA_INT, 4);
            long ringSize = Math.max(p.get(JAVA_INT, 64) + 4L * sqN, p.get(JAVA_INT, 100) + 16L * cqN);
            MemorySegment rings = Native.mmap(ringSize, Native.MAP_SHARED | Native.MAP_POPULATE, fd, 0);
            MemorySegment sqes = rings.address() < 0 ? rings
                : Native.mmap((long) SQE_SIZE * sqN, Native.MAP_SHARED | Native.MAP_POPULATE, fd, OFF_SQES);
            if (rings.address() < 0 || sqes.address() < 0) {
                if (rings.address() >= 0) {
                    Native.munmap(rings);
                }
                Native.close(fd);
                throw new IOException("io_uring mmap: " + Errno.name((int) -Math.min(rings.address(), sqes.address())));
            }
            return new Uring(fd, rings, sqes, p);
        }
    }

    /**
     * A zeroed submission entry, handed to the kernel by the next {@link #submitAndWait}. When
     * every slot is taken, the entries filled so far are handed over first (without waiting for
     * any to complete): a burst of completions, each answered by a new entry, may need more
     * entries than the ring has slots.
     */
    MemorySegment sqe() {
        if (full()) {
            int r;
            while ((r = submit(0, 0)) == -Errno.EINTR) {
                // interrupted before the kernel took the entries: hand them over again
            }
            if (r < 0 || full()) {
                throw new IllegalStateException("io_uring submission queue full: " + sqEntries
                    + " entries and the kernel took none of them" + (r < 0 ? " (" + Errno.name(-r) + ")" : ""));
            }
        }
        MemorySegment e = sqes.asSlice((long) (tail & sqMask) * SQE_SIZE, SQE_SIZE);
        e.fill((byte) 0);
        tail++;
        return e;
    }

    /** Fills a URING_CMD entry for {@code fd} with {@code cmdOp}; the command area starts at byte 48. */
    MemorySegment cmd(int devFd, int cmdOp, long userData) {
        MemorySegment e = sqe();
        e.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) OP_URING_CMD);
        e.set(JAVA_INT, 4, devFd);
        e.set(JAVA_INT, 8, cmdOp);
        e.set(JAVA_LONG, 32, userData);
        return e;
    }

    /** Fills a READ of {@code len} bytes from {@code fd} into {@code buf}. */
    void read(int rfd, MemorySegment buf, int len, long userData) {
        MemorySegment e = sqe();
        e.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) OP_READ);
        e.set(JAVA_INT, 4, rfd);
        e.set(JAVA_LONG, 8, -1L); // current file position (an eventfd has none)
        e.set(JAVA_LONG, 16, buf.address());
        e.set(JAVA_INT, 24, len);
        e.set(JAVA_LONG, 32, userData);
    }

    /**
     * Gives the kernel every entry filled since the last call and waits until at least one
     * completion is there. Returns 0, or {@code -errno} (EINTR: call again).
     */
    int submitAndWait() {
        int r = submit(1, ENTER_GETEVENTS);
        return r >= 0 ? 0 : r;
    }

    private boolean full() {
        return tail - (int) INT.getAcquire(rings, sqHead) >= sqEntries;
    }

    /** Gives the kernel the entries filled since the last call; returns how many it took, or {@code -errno}. */
    private int submit(int minComplete, int flags) {
        INT.setRelease(rings, sqTail, tail);
        int r = Native.ioUringEnter(fd, tail - submitted, minComplete, flags, MemorySegment.NULL, 0);
        if (r >= 0) {
            submitted += r;
        }
        return r;
    }

    /** Slots of the submission queue (the kernel rounds the size asked for up to a power of two). */
    int capacity() {
        return sqEntries;
    }

    /** Completions, oldest first: {@code user_data} and {@code res} of each, until none is left. */
    interface Completion {
        void on(long userData, int res);
    }

    void drain(Completion c) {
        int head = (int) INT.get(rings, cqHead);
        int end = (int) INT.getAcquire(rings, cqTail);
        for (; head != end; head++) {
            long off = cqes + 16L * (head & cqMask);
            long user = rings.get(JAVA_LONG, off);
            int res = rings.get(JAVA_INT, off + 8);
            INT.setRelease(rings, cqHead, head + 1);
            c.on(user, res);
        }
    }

    @Override
    public void close() {
        Native.munmap(sqes);
        Native.munmap(rings);
        Native.close(fd);
    }
}
