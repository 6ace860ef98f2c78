package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mount's transport: the /dev/fuse descriptor and its clones, one worker thread per
 * descriptor reading requests and writing replies, and the unmount on close, on JVM
 * shutdown and when the kernel ends the connection (ENODEV). Buffers live as long as the mount.
 *
 * <p>It starts with one worker: a serial workload (one process creating files, say) is served
 * fastest by a single thread that replies and reads the next request at once, while idle
 * workers would each be woken in turn. When every worker has been busy for
 * {@link #GROW_AFTER_NANOS} (an operation waits for a grant, a lock or the server), another
 * is started, up to {@code options.workers()}; they then stay.
 */
final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static final long INIT_TIMEOUT_MS = 15_000;

    private final Path mountPoint;
    private final FuseMount.Options options;
    private final Dispatcher dispatcher;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private static final long GROW_AFTER_NANOS = 5_000_000;
    private final List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger idle = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long allBusySince;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The ring queues' helper threads, stopped with the mount. */
    private final List<java.util.concurrent.ExecutorService> pools = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final FuseNotifier notifier;
    private final Thread hook;

    private Session(Path mountPoint, FuseFileSystem fs, FuseMount.Options options, int fd) {
        this.mountPoint = mountPoint;
        this.options = options;
        this.dispatcher = new Dispatcher(fs, options);
        this.fd = fd;
        this.notifier = new FuseNotifier(this::writeNotify);
        this.hook = new Thread(this::close, "fuse-unmount " + mountPoint);
    }

    static Session start(Path dir, FuseFileSystem fs, FuseMount.Options options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir);
        }
        boolean uring = options.uring() && uringWorks();
        int fd = Mounter.mount(dir, options);
        Session s = new Session(dir, fs, options, fd);
        try {
            Runtime.getRuntime().addShutdownHook(s.hook);
            if (uring) {
                s.dispatcher.offerUring();
            }
            s.startWorkers();
            s.awaitInit();
            if (s.dispatcher.uring()) {
                s.startRings();
            }
            s.device = s.mountDevice(); // a stat: only once the rings serve (the kernel holds requests until then)
            s.raiseReadahead();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    Path mountPoint() {
        return mountPoint;
    }

    FuseNotifier notifier() {
        return notifier;
    }

    boolean usesUring() {
        return dispatcher.uring();
    }

    long servingNanos() {
        return dispatcher.longestServingNanos();
    }

    boolean isRunning() {
        return !closed.get();
    }

    private void startWorkers() {
        addWorker(fd);
        if (options.workers() > 1) {
            Thread.ofPlatform().daemon().name("fuse-" + mountPoint.getFileName() + "-pool").start(this::grow);
        }
    }

    /**
     * Once INIT agreed on io_uring the kernel holds every request until each CPU's queue has
     * an entry: so a ring is tried before the mount, and a queue that fails later makes the
     * kernel fall back to /dev/fuse (a failed registration turns the ring off).
     */
    private static boolean uringWorks() {
        try (Uring r = Uring.open(2)) {
            return true;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            log.debug("fuse: no io_uring here ({}); requests come through /dev/fuse", e.toString());
            return false;
        }
    }

    private void startRings() {
        String name = "fuse-" + mountPoint.getFileName();
        var waits = java.util.concurrent.Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().daemon().name(name + "-wait").unstarted(r));
        var bulk = java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> Thread.ofPlatform().daemon().name(name + "-bulk").unstarted(r));
        pools.add(waits);
        pools.add(bulk);
        int payload = options.maxWrite() + Wire.PAGE_SIZE;
        List<Integer> cpus = possibleCpus();
        List<RingQueue> queues = new java.util.ArrayList<>();
        try {
            for (int cpu : cpus) {
                queues.add(RingQueue.create(cpu, fd, dispatcher, payload, waits, bulk, this::ringFailed));
            }
        } catch (IOException | RuntimeException e) {
            queues.forEach(RingQueue::release);
            RingQueue.refuse(fd);
            dispatcher.ringRefused();
            log.warn("fuse: io_uring queues could not be set up ({}); {} is served through /dev/fuse", e.toString(),
                mountPoint);
            return;
        }
        for (RingQueue q : queues) {
            Thread t = Thread.ofPlatform().daemon().name(name + "-ring" + q.qid()).unstarted(q::run);
            workers.add(t);
            t.start();
        }
        log.info("fuse: {} served through io_uring ({} queues)", mountPoint, cpus.size());
    }

    /**
     * A ring queue stopped on an error while mounted. The requests of its CPU cannot move to
     * another queue, so the connection is aborted (they fail with ECONNABORTED instead of waiting
     * forever, and so do the workers' reads) and the mount closed.
     */
    private void ringFailed() {
        if (!closed.get() && ended.compareAndSet(false, true)) {
            try {
                if (device == null) {
                    throw new IOException("the mount's device number is not known");
                }
                Mounter.abort(device.minor());
            } catch (IOException | RuntimeException e) {
                log.error("fuse: could not abort the connection of {} ({}); processes waiting on it may hang until "
                    + "`echo 1 > /sys/fs/fuse/connections/N/abort`", mountPoint, e.toString());
            }
            Thread.ofPlatform().daemon().start(this::close);
        }
    }

    /** The kernel makes one queue per possible CPU ({@code /sys/devices/system/cpu/possible}, e.g. "0-3,8"). */
    static List<Integer> possibleCpus() {
        List<Integer> cpus = new java.util.ArrayList<>();
        try {
            for (String part : Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim().split(",")) {
                String[] r = part.split("-");
                int lo = Integer.parseInt(r[0]), hi = r.length > 1 ? Integer.parseInt(r[1]) : lo;
                for (int c = lo; c <= hi; c++) {
                    cpus.add(c);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (int c = 0; c < Runtime.getRuntime().availableProcessors(); c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    private void addWorker(int wfd) {
        Thread t = Thread.ofPlatform().daemon().name("fuse-" + mountPoint.getFileName() + "-" + workers.size())
            .unstarted(() -> serve(wfd));
        workers.add(t);
        t.start();
    }

    /** Adds a worker whenever all have been busy for a while, up to the limit. */
    private void grow() {
        while (!closed.get() && workers.size() < options.workers()) {
            try {
                Thread.sleep(GROW_AFTER_NANOS / 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
            if (dispatcher.uring()) {
                return; // the ring queues serve requests; /dev/fuse brings only forgets and interrupts
            }
            if (!initReplied) {
                continue; // the kernel sends nothing before INIT is answered: a busy first worker is starting or answering it
            }
            if (idle.get() == 0 && System.nanoTime() - allBusySince > GROW_AFTER_NANOS && !closed.get()) {
                addWorker(cloneFd());
                log.debug("fuse: {} workers on {}", workers.size(), mountPoint);
            }
        }
    }

    /** A new /dev/fuse descriptor on the same connection (FUSE_DEV_IOC_CLONE), or the original. */
    private int cloneFd() {
        try (Arena a = Arena.ofConfined()) {
            int nfd = Native.open(a.allocateFrom("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC);
            if (nfd >= 0) {
                MemorySegment src = a.allocate(JAVA_INT);
                src.set(JAVA_INT, 0, fd);
                int r = Native.ioctl(nfd, Wire.DEV_IOC_CLONE, src);
                if (r == 0) {
                    return nfd;
                }
                Native.close(nfd);
                log.info("fuse: FUSE_DEV_IOC_CLONE failed ({}); workers share one descriptor", Errno.name(-r));
            }
            return fd;
        }
    }

    /**
     * Set once INIT's reply is written: the kernel marks the connection initialized inside that
     * write, and before it refuses ring registrations with EAGAIN (a refusal meant to turn the
     * ring off would then not, and every request would wait for queues that never come).
     */
    private volatile boolean initReplied;

    private void awaitInit() throws IOException {
        long deadline = System.currentTimeMillis() + INIT_TIMEOUT_MS;
        while (!initReplied) {
            if (closed.get() || System.currentTimeMillis() > deadline) {
                throw new IOException("fuse: no INIT from the kernel on " + mountPoint);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for INIT", e);
            }
        }
    }

    /** A device number; the minor of a FUSE mount's names its connection in fusectl. */
    private record Device(long major, long minor) {}

    /** The mount's device number; null if unknown. */
    private volatile Device device;

    private Device mountDevice() {
        try {
            long dev = ((Number) Files.getAttribute(mountPoint, "unix:dev")).longValue();
            return new Device(((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL), (dev & 0xff) | ((dev >>> 12) & ~0xffL));
        } catch (IOException | RuntimeException e) {
            log.debug("fuse: device number of {} unknown: {}", mountPoint, e.toString());
            return null;
        }
    }

    /**
     * The kernel offers FUSE at most 128 KiB of readahead in INIT, whatever we answer; sequential
     * reads then arrive 128 KiB at a time. As root, the mount's backing device info is raised to
     * {@code maxReadahead} (what `echo N > /sys/class/bdi/MAJ:MIN/read_ahead_kb` does by hand).
     */
    private void raiseReadahead() {
        try {
            if (device == null) {
                throw new IOException("the mount's device number is not known");
            }
            Path ra = Path.of("/sys/class/bdi", device.major() + ":" + device.minor(), "read_ahead_kb");
            int kb = options.maxReadahead() / 1024;
            if (Files.isWritable(ra) && Integer.parseInt(Files.readString(ra).trim()) < kb) {
                Files.writeString(ra, Integer.toString(kb));
                log.debug("fuse: readahead of {} raised to {} KiB", mountPoint, kb);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("fuse: readahead of {} left as the kernel set it: {}", mountPoint, e.toString());
        }
    }

    private void serve(int wfd) {
        int size = options.maxWrite() + Wire.PAGE_SIZE;
        MemorySegment inSeg = arena.allocate(size, 4096);
        MemorySegment outSeg = arena.allocate(size, 4096);
        ByteBuffer in = inSeg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = outSeg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) { // until the kernel ends the connection: workers must not leave a live mount unserved
                idle.incrementAndGet();
                long n = Native.read(wfd, inSeg, size);
                if (idle.decrementAndGet() == 0) {
                    allBusySince = System.nanoTime();
                }
                if (n < 0) {
                    int errno = (int) -n;
                    if (errno == Errno.EINTR || errno == Errno.EAGAIN || errno == Errno.ENOENT) {
                        continue; // interrupted, or the request was aborted before we got it
                    }
                    if (errno != Errno.ENODEV && !closed.get()) {
                        log.warn("fuse: read /dev/fuse: {}; worker stops", Errno.name(errno));
                    }
                    break;
                }
                in.clear().limit((int) n);
                int m = dispatcher.handleTracked(in, out);
                if (m > 0) {
                    long w = Native.write(wfd, outSeg, m);
                    if (w < 0 && w != -Errno.ENOENT) { // ENOENT: the request was interrupted meanwhile
                        log.debug("fuse: reply write: {}", Errno.name((int) -w));
                    } else if (!initReplied && w >= 0 && dispatcher.minor() != 0) {
                        initReplied = true; // the kernel took INIT in while the reply was written
                    }
                }
            }
        } catch (Throwable t) {
            log.error("fuse: worker died", t);
        } finally {
            if (wfd != fd) {
                Native.close(wfd);
            }
        }
        if (!closed.get() && ended.compareAndSet(false, true)) { // unmounted from outside, or aborted
            log.info("fuse: connection to {} ended", mountPoint);
            Thread.ofPlatform().daemon().start(this::close);
        }
    }

    /** Notifies write to {@link #fd}; it is closed only under the write lock, so a notify never reaches a reused number. */
    private final java.util.concurrent.locks.ReadWriteLock fdLock = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean fdClosed;

    private int writeNotify(ByteBuffer msg) {
        fdLock.readLock().lock();
        try {
            if (closed.get() || fdClosed) {
                return Errno.ENODEV;
            }
            long w = Native.write(fd, MemorySegment.ofBuffer(msg), msg.remaining());
            return w < 0 ? (int) -w : 0;
        } finally {
            fdLock.readLock().unlock();
        }
    }

    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean unmounted = Mounter.unmount(mountPoint, options.fusermount() || !Mounter.isRoot());
        log.info("fuse: {} {}", unmounted ? "unmounted" : "closed (was not mounted)", mountPoint);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | SecurityException e) {
            // in shutdown already
        }
        boolean allDone = true;
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (Thread t : workers) {
            if (t != Thread.currentThread()) {
                try {
                    t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                allDone &= !t.isAlive();
            }
        }
        pools.forEach(java.util.concurrent.ExecutorService::shutdown);
        if (allDone) {
            fdLock.writeLock().lock();
            try {
                fdClosed = true;
                Native.close(fd);
            } finally {
                fdLock.writeLock().unlock();
            }
            arena.close();
        } else {
            log.warn("fuse: workers of {} still busy (open files keep a lazy unmount alive)", mountPoint);
        }
    }
}
