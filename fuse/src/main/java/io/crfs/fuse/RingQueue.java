package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CPU's queue of FUSE-over-io_uring (kernel 6.14+): the kernel puts a request from a
 * process running on CPU {@code qid} into this queue, and this thread, bound to that CPU,
 * answers it. Caller and server then take turns on one CPU instead of waking each other
 * across CPUs, which is most of a small request's cost on a virtual machine.
 *
 * <p>The thread runs under {@code SCHED_BATCH}: woken by a request, it does not preempt the task
 * running on its CPU, which is the caller. A caller that waits for its answer gives the CPU up at
 * once anyway; one that does not (the RELEASE after close(2), a write-back) goes on to its next
 * system call instead of being switched out and back for each such request, and a caller
 * switched out there could be moved to the other CPU meanwhile. Its share of the CPU is that of
 * any other thread (docs/benchmarks.md, twenty-eighth session).
 *
 * <p>Each ring entry has a header buffer ({@code struct fuse_uring_req_header}: in/out header,
 * the operation's fixed argument, {@code ring_ent_in_out}) and a payload buffer. The request is
 * laid out in front of the payload so that the {@link Dispatcher} sees the same contiguous
 * bytes as from read(2) on /dev/fuse, without copying a write's data. Requests are answered on
 * this thread, in order, except a blocking lock request (SETLKW) and an fsync, which wait on
 * another thread while a new entry takes their place (so that this CPU's other requests, the
 * unlock a lock may be waiting for among them, still get through), and a large read, copied on
 * a pool thread while this one goes on. Forgets, interrupts and notifications keep using /dev/fuse.
 * (A pool thread inherits the CPU and policy of the queue thread that started it.)
 */
final class RingQueue {
    private static final Logger log = LoggerFactory.getLogger(RingQueue.class);
    static final int CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2;
    private static final int HEADER_SIZE = 288, OP_IN = 128, ENT_IN_OUT = 256;
    private static final int PREFIX = Wire.IN_HEADER_SIZE + OP_IN; // request header + largest fixed argument
    private static final long WAKE = -1;
    private static final int ENTRIES = 4;
    /**
     * Submission slots: one per entry (at most {@link #MAX_ENTRIES} for reads, more while locks
     * wait) and the eventfd's read; a fuller ring is handed over mid-burst ({@link Uring#sqe}).
     */
    private static final int RING_SLOTS = 64;
    /** Reads this large go to the bulk pool, while this queue has fewer entries than MAX_ENTRIES. */
    private static final int BIG_READ = 128 << 10, MAX_ENTRIES = 16;

    private final int qid;
    private final int devFd;
    private final Dispatcher dispatcher;
    private final int payloadSize;
    private final ExecutorService waits;
    private final ExecutorService bulk;
    /** Called once if this queue stops while the connection lives: its CPU's requests would wait forever. */
    private final Runnable onFailure;
    private final List<Entry> entries = new ArrayList<>();
    private final ConcurrentLinkedQueue<Entry> answered = new ConcurrentLinkedQueue<>();
    private final Arena arena = Arena.ofShared();
    /** Where a reply to a request with payload is written before it is copied into the entry's payload (this thread only). */
    private MemorySegment out;
    private final MemorySegment wakeBuf = arena.allocate(8, 8);
    private final Uring.Completion onCompletion = this::completion;
    private int eventFd = -1;
    private int live; // entries the kernel holds or we work on
    private int parked; // entries answered on another thread
    private Uring ring;

    /** One ring entry's buffers (mapped lazily: an idle entry costs address space, not memory). */
    private final class Entry {
        final int id;
        final MemorySegment header;
        final MemorySegment area; // PREFIX bytes, then the payload buffer the kernel fills and reads
        final MemorySegment iov;
        int replyLen;
        boolean inPlace; // the reply was written into area, not the queue's out
        boolean registered;

        Entry(int id) throws IOException {
            this.id = id;
            header = arena.allocate(HEADER_SIZE, 64);
            area = map(PREFIX + payloadSize);
            iov = arena.allocate(32, 8);
            iov.set(JAVA_LONG, 0, header.address());
            iov.set(JAVA_LONG, 8, HEADER_SIZE);
            iov.set(JAVA_LONG, 16, area.address() + PREFIX);
            iov.set(JAVA_LONG, 24, payloadSize);
        }
    }

    /** Tests: {@link #create} fails, as when the machine is out of memory or descriptors. */
    static volatile boolean failForTest;
    /** Tests: the next request a queue takes throws in the queue itself, as a bug in it would. */
    static volatile boolean crashForTest;
    private static final long REFUSE_TIMEOUT_NANOS = 5_000_000_000L;

    int qid() {
        return qid;
    }

    private RingQueue(int qid, int devFd, Dispatcher dispatcher, int payloadSize, ExecutorService waits,
              ExecutorService bulk, Runnable onFailure) {
        this.qid = qid;
        this.devFd = devFd;
        this.dispatcher = dispatcher;
        this.payloadSize = payloadSize;
        this.waits = waits;
        this.bulk = bulk;
        this.onFailure = onFailure;
    }

    /**
     * Makes the queue's ring, eventfd and first entries, so that a failure shows before any
     * queue registers (the caller can then turn the ring off, see {@link #refuse}). {@code
     * onFailure} runs if the queue later stops on an error while the kernel may still send it
     * requests.
     */
    static RingQueue create(int qid, int devFd, Dispatcher dispatcher, int payloadSize, ExecutorService waits,
                            ExecutorService bulk, Runnable onFailure) throws IOException {
        RingQueue q = new RingQueue(qid, devFd, dispatcher, payloadSize, waits, bulk, onFailure);
        try {
            if (failForTest) {
                throw new IOException("set up to fail (test)");
            }
            q.ring = Uring.open(RING_SLOTS);
            q.out = map(Wire.OUT_HEADER_SIZE + payloadSize);
            q.eventFd = Native.eventfd(Native.EFD_CLOEXEC);
            if (q.eventFd < 0) {
                throw new IOException("eventfd: " + Errno.name(-q.eventFd));
            }
            for (int i = 0; i < ENTRIES; i++) {
                q.addEntry();
            }
            return q;
        } catch (IOException | RuntimeException e) {
            q.release();
            throw e;
        }
    }

    /**
     * Turns FUSE-over-io_uring off for the connection behind {@code devFd}: the kernel holds
     * requests until every queue has registered, and a failed registration makes it fall back
     * to /dev/fuse. A registration for a queue that cannot exist fails.
     */
    static void refuse(int devFd) {
        try (Uring r = Uring.open(2)) {
            long deadline = System.nanoTime() + REFUSE_TIMEOUT_NANOS;
            int res;
            // EAGAIN: the kernel has not taken INIT in yet and would not turn the ring off (the
            // mount waits for INIT's reply to be written, so this is a safety net, not the rule)
            while ((res = registerBadQueue(r, devFd)) == -Errno.EAGAIN && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            if (res >= 0 || res == -Errno.EAGAIN) {
                throw new IOException("the kernel did not refuse the registration (" + res + ")");
            }
        } catch (IOException | RuntimeException e) {
            log.error("fuse: could not turn io_uring off after a ring failed ({}); requests may hang", e.toString());
        }
    }

    /** Registers an entry for a queue that cannot exist and returns the kernel's answer. */
    private static int registerBadQueue(Uring r, int devFd) throws IOException {
        MemorySegment sqe = r.cmd(devFd, CMD_REGISTER, 0);
        sqe.set(JAVA_SHORT, 64, (short) 0xffff);
        int e;
        while ((e = r.submitAndWait()) == -Errno.EINTR) {
            // interrupted before the kernel took the entry: submit it again
        }
        if (e < 0) {
            throw new IOException("io_uring_enter: " + Errno.name(-e));
        }
        int[] res = new int[1];
        r.drain((user, result) -> res[0] = result);
        return res[0];
    }

    private static MemorySegment map(long size) throws IOException {
        MemorySegment m = Native.mmap(size, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
        if (m.address() < 0) {
            throw new IOException("mmap " + size + " bytes: " + Errno.name((int) -m.address()));
        }
        return m;
    }

    /** Serves the queue until the kernel ends the connection, on the thread that calls it. */
    void run() {
        if (Native.pinToCpu(qid) < 0) {
            log.debug("fuse: ring queue {} not bound to its CPU", qid);
        }
        int batch = Native.setPolicy(Native.SCHED_BATCH);
        if (batch < 0) {
            log.debug("fuse: ring queue {} keeps the default scheduling policy ({})", qid, Errno.name(-batch));
        }
        try {
            ring.read(eventFd, wakeBuf, 8, WAKE);
            for (Entry e : List.copyOf(entries)) {
                register(e);
            }
            while (live > 0) {
                int e = ring.submitAndWait();
                if (e < 0 && e != -Errno.EINTR) {
                    fail("io_uring_enter: " + Errno.name(-e));
                    break;
                }
                ring.drain(onCompletion);
            }
        } catch (RuntimeException e) {
            fail(e.toString());
        } finally {
            release();
        }
    }

    /**
     * This queue can serve no more requests, and the kernel would hold the ones of processes on
     * its CPU forever (they cannot move to another queue): the failure is logged and the owner
     * ends the connection, so that they fail instead.
     */
    private void fail(String why) {
        log.error("fuse: ring queue {} stopped ({}); the mount is closed so that no request waits forever", qid, why);
        onFailure.run();
    }

    private void completion(long user, int res) {
        if (user == WAKE) {
            woken(res);
        } else {
            completed(entries.get((int) user), res);
        }
    }

    void release() {
        if (ring != null) {
            ring.close();
        }
        if (eventFd >= 0) {
            Native.close(eventFd);
        }
        if (out != null) {
            Native.munmap(out);
        }
        for (Entry en : entries) {
            Native.munmap(en.area);
        }
        arena.close();
    }

    private Entry addEntry() throws IOException {
        Entry e = new Entry(entries.size());
        entries.add(e);
        return e;
    }

    private void register(Entry e) {
        MemorySegment sqe = ring.cmd(devFd, CMD_REGISTER, e.id);
        sqe.set(JAVA_LONG, 16, e.iov.address());
        sqe.set(JAVA_INT, 24, 2);
        sqe.set(JAVA_SHORT, 64, (short) qid);
        live++;
    }

    private void woken(int res) {
        for (Entry e; (e = answered.poll()) != null; ) {
            parked--;
            commit(e);
        }
        if (res >= 0 || res == -Errno.EINTR || res == -Errno.EAGAIN) {
            ring.read(eventFd, wakeBuf, 8, WAKE);
        }
    }

    private void completed(Entry e, int res) {
        if (res == -Errno.EAGAIN && !e.registered) { // the kernel had not finished INIT yet
            live--;
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            register(e);
            return;
        }
        if (res < 0) { // ENOTCONN/ECONNABORTED: unmounted; anything else: the entry is unusable
            live--;
            if (res != -Errno.ENOTCONN && res != -Errno.ECONNABORTED && res != -Errno.ECANCELED) {
                log.warn("fuse: ring queue {} entry {}: {}", qid, e.id, Errno.name(-res));
            }
            return;
        }
        e.registered = true;
        if (crashForTest) {
            crashForTest = false;
            throw new IllegalStateException("crash set up by a test");
        }
        MemorySegment h = e.header;
        int len = h.get(JAVA_INT, 0);
        int payload = h.get(JAVA_INT, ENT_IN_OUT + 16);
        int opSize = len - Wire.IN_HEADER_SIZE - payload;
        if (opSize < 0 || opSize > OP_IN || payload > payloadSize) {
            log.warn("fuse: ring request unique {} with len {} and payload {} dropped", h.get(JAVA_LONG, 8), len, payload);
            reply(e, Wire.OUT_HEADER_SIZE, -Errno.EIO);
            return;
        }
        long start = PREFIX - opSize - Wire.IN_HEADER_SIZE;
        MemorySegment.copy(h, 0, e.area, start, Wire.IN_HEADER_SIZE);
        MemorySegment.copy(h, OP_IN, e.area, PREFIX - opSize, opSize);
        ByteBuffer in = Wire.le(e.area.asSlice(start, len).asByteBuffer());
        // With no payload in the request (READ, READDIR, GETATTR...), the reply is written in
        // place: its body straight into the payload buffer, its header over the request's last
        // 16 bytes, which the dispatcher has read by the time it writes the header.
        // Requests with a payload are answered here only, through the queue's one out buffer;
        // the ones that go to a pool have none, so their reply is always in place.
        e.inPlace = payload == 0;
        ByteBuffer reply = Wire.le((e.inPlace ? e.area.asSlice(PREFIX - Wire.OUT_HEADER_SIZE) : out).asByteBuffer());
        int opcode = h.get(JAVA_INT, 4);
        if (e.inPlace && (opcode == Wire.SETLKW || opcode == Wire.FSYNC || opcode == Wire.FSYNCDIR)) {
            park(e, in, reply, waits);
            return;
        }
        if (e.inPlace && opcode == Wire.READ && h.get(JAVA_INT, OP_IN + 16) >= BIG_READ && live < MAX_ENTRIES) {
            park(e, in, reply, bulk);
            return;
        }
        e.replyLen = dispatcher.handleTracked(in, reply, true);
        if (e.replyLen == Dispatcher.MOVED) {
            move(e, in, reply);
            return;
        }
        commit(e);
    }

    /** Where a moved request with a payload writes its reply before it is copied into the entry (per waiting thread). */
    private final ThreadLocal<ByteBuffer> movedOut = new ThreadLocal<>();

    /**
     * Runs a request its operation moved ({@link MoveRequest}: it would wait for something slow)
     * again on the waits pool, so that this queue serves the other requests of its CPU meanwhile.
     * A reply in place stays in place; one that would go through this queue's out buffer is
     * written into a buffer of the waiting thread and copied into the entry, where in-place
     * replies are, before the queue is told.
     */
    private void move(Entry e, ByteBuffer in, ByteBuffer inPlaceReply) {
        if (e.inPlace) {
            park(e, waits, () -> dispatcher.handleMoved(in, inPlaceReply));
            return;
        }
        park(e, waits, () -> {
            ByteBuffer o = movedOut.get();
            if (o == null) {
                // not allocateDirect: see Wire.direct
                o = Wire.direct(Wire.OUT_HEADER_SIZE + payloadSize);
                movedOut.set(o);
            }
            int n = dispatcher.handleMoved(in, o);
            if (n >= Wire.OUT_HEADER_SIZE) { // the reply is o's first n bytes, wherever its position was left
                MemorySegment reply = MemorySegment.ofBuffer(o.duplicate().clear());
                MemorySegment.copy(reply, 0, e.area, PREFIX - Wire.OUT_HEADER_SIZE, n);
            }
            e.inPlace = true;
            return n;
        });
    }

    /**
     * Answers the request on another thread. A lock wait must (the unlock it waits for may come
     * from this CPU); an fsync may wait for the server to write and commit much data, which
     * the other processes on this CPU should not wait for; a large read (read-ahead, which the
     * caller does not wait for) is copied there while this queue goes on. A new
     * entry replaces one that leaves, so that at least two stay in the kernel's hands.
     */
    private void park(Entry e, ByteBuffer in, ByteBuffer out, ExecutorService on) {
        boolean tracked = on == bulk; // a large READ: its pages stay locked until it is answered
        park(e, on, () -> tracked ? dispatcher.handleTracked(in, out) : dispatcher.handle(in, out));
    }

    private void park(Entry e, ExecutorService on, java.util.function.IntSupplier answer) {
        parked++;
        on.execute(() -> {
            e.replyLen = answer.getAsInt();
            answered.add(e);
            wake();
        });
        if (live - parked < 2) {
            try {
                register(addEntry());
            } catch (IOException ex) {
                log.warn("fuse: ring queue {}: no new entry while {} wait: {}", qid, parked, ex.toString());
            }
        }
    }

    private static final ThreadLocal<MemorySegment> ONE = ThreadLocal.withInitial(() -> {
        MemorySegment one = Arena.ofAuto().allocate(8, 8);
        one.set(JAVA_LONG, 0, 1L);
        return one;
    });

    private void wake() {
        Native.write(eventFd, ONE.get(), 8);
    }

    /** Hands the dispatcher's reply to the kernel and asks for the next request. */
    private void commit(Entry e) {
        int m = e.replyLen;
        if (m < Wire.OUT_HEADER_SIZE) { // every ring request needs an answer
            reply(e, Wire.OUT_HEADER_SIZE, -Errno.EIO);
            return;
        }
        MemorySegment written = e.inPlace ? e.area.asSlice(PREFIX - Wire.OUT_HEADER_SIZE) : out;
        MemorySegment.copy(written, 0, e.header, 0, Wire.OUT_HEADER_SIZE);
        if (!e.inPlace && m > Wire.OUT_HEADER_SIZE) {
            MemorySegment.copy(out, Wire.OUT_HEADER_SIZE, e.area, PREFIX, m - Wire.OUT_HEADER_SIZE);
        }
        send(e, m - Wire.OUT_HEADER_SIZE);
    }

    /** An error answer: the in header's unique stays where the out header keeps it (bytes 8-15). */
    private void reply(Entry e, int len, int error) {
        e.header.set(JAVA_INT, 0, len);
        e.header.set(JAVA_INT, 4, error);
        send(e, 0);
    }

    private void send(Entry e, int payloadLen) {
        e.header.set(JAVA_INT, ENT_IN_OUT + 16, payloadLen);
        MemorySegment sqe = ring.cmd(devFd, CMD_COMMIT_AND_FETCH, e.id);
        sqe.set(JAVA_LONG, 56, e.header.get(JAVA_LONG, ENT_IN_OUT + 8));
        sqe.set(JAVA_SHORT, 64, (short) qid);
    }
}
