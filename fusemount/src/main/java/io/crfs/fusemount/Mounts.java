package io.crfs.fusemount;

import io.crfs.client.CrfsClient;
import io.crfs.fuse.FuseMount;
import io.crfs.server.Crfsd;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounting crfs with FUSE: a network mount (a {@link CrfsClient} to crfsd) or a local one (a
 * crfsd on the image inside this process, on a loopback port, and a client to it: the same
 * code and the same coherence as over the network).
 *
 * <p>The kernel caches attributes, names and pages for long ({@link #TTL_NANOS}). Coherence comes
 * from invalidation: when the client loses a grant, before the revoke is acknowledged (so before
 * the other client's change can happen), the kernel is told to forget the attributes of every
 * inode in the range it was given, and, if a directory is among them, every name it cached
 * (FUSE_NOTIFY_INC_EPOCH). Both take no kernel lock, so they cannot deadlock with a request that
 * waits for a grant. Then the inodes' pages are dropped, on another thread since that waits for
 * page locks, and the revoke is answered once they are, or before if a request that holds page
 * locks or has others queued behind it has been served for a millisecond (it may wait for a
 * grant that waits for this answer; reads still ask for fresh attributes, and the kernel drops
 * pages whose mtime or size changed, auto_inval_data). Kernels without INC_EPOCH (before 6.16) get no name
 * caching: every path walk asks LOOKUP again.
 */
public final class Mounts {
    private static final Logger LOG = LoggerFactory.getLogger(Mounts.class);
    /** How long the kernel may cache attributes and names: long, since a lost grant invalidates them. */
    static final long TTL_NANOS = 3600L * 1_000_000_000L;

    private Mounts() {}

    /** A mounted crfs; close unmounts, flushes and disconnects (and stops the embedded server). */
    public static final class Mounted implements AutoCloseable {
        private final FuseMount mount;
        private final CrfsClient client;
        private final Crfsd embedded;
        private final java.util.concurrent.ExecutorService invalidator;

        Mounted(FuseMount mount, CrfsClient client, Crfsd embedded, java.util.concurrent.ExecutorService invalidator) {
            this.mount = mount;
            this.client = client;
            this.embedded = embedded;
            this.invalidator = invalidator;
        }

        public Path mountPoint() {
            return mount.mountPoint();
        }

        public CrfsClient client() {
            return client;
        }

        public boolean isMounted() {
            return mount.isMounted();
        }

        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        /** Unmounts, flushes and disconnects; a second call does nothing. */
        @Override
        public void close() throws IOException {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                mount.close();
            } finally {
                invalidator.shutdownNow();
                try {
                    client.close();
                } finally {
                    if (embedded != null) {
                        embedded.close();
                    }
                }
            }
        }
    }

    public static Mounted network(String host, int port, Path dir) throws IOException {
        return network(host, port, dir, CrfsClient.Options.defaults());
    }

    /**
     * The client never keeps what it writes, or what a sequential reader has read, in its own page
     * cache here ({@link CrfsClient.Options#kernelPageCache}): the kernel's page cache in front of
     * the mount holds it.
     */
    public static Mounted network(String host, int port, Path dir, CrfsClient.Options options) throws IOException {
        CrfsClient c = CrfsClient.connect(host, port, "fuse:" + dir, io.crfs.posix.Caller.ROOT,
            options.withKernelPageCache(true));
        try {
            return mount(c, dir, null);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public static Mounted local(Path image, Path dir) throws IOException {
        return local(image, dir, CrfsClient.Options.defaults());
    }

    public static Mounted local(Path image, Path dir, CrfsClient.Options options) throws IOException {
        Crfsd d = Crfsd.start(image, "127.0.0.1", 0, Crfsd.Options.defaults());
        try {
            CrfsClient c = CrfsClient.connect("127.0.0.1", d.port(), "fuse-local:" + dir, io.crfs.posix.Caller.ROOT,
                options.withKernelPageCache(true));
            try {
                return mount(c, dir, d);
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** What the kernel may cache, and for how long. */
    static final CrfsFuse.Caching CACHING = new CrfsFuse.Caching(TTL_NANOS, TTL_NANOS, true);

    /** The FUSE options of every crfs mount. */
    static FuseMount.Options fuseOptions() {
        return FuseMount.Options.defaults().withNames("crfs", "crfs").withReaddirplus(false)
                .withKernelChecks(true, true, true).withAutoInvalData(true);
    }

    private static Mounted mount(CrfsClient c, Path dir, Crfsd embedded) throws IOException {
        // names may be cached only if the kernel can be told to forget them without a lock
        // (INC_EPOCH); the mount is made first with attributes and pages cached, and names once it
        // is known to work
        CrfsFuse fs = new CrfsFuse(c.posix(), CACHING, c);
        fs.cacheNames(false);
        FuseMount m = FuseMount.mount(dir, fs, fuseOptions());
        boolean epochs = m.notifier().notifyIncEpoch();
        fs.cacheNames(epochs);
        if (!epochs) {
            LOG.info("this kernel cannot drop FUSE names without locks (no FUSE_NOTIFY_INC_EPOCH); names are not cached");
        }
        // Dropping pages waits for the page locks of READs and WRITEs in flight, and such a request
        // may wait for a grant that waits for this revoke's answer: the pages are dropped on other
        // threads, and the answer waits for that only while nothing may be waiting for it.
        java.util.concurrent.ExecutorService dropper = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "crfs-fuse-invalidate");
            t.setDaemon(true);
            return t;
        });
        c.onInvalidate((from, to) -> {
            CrfsFuse.HeldRange held = fs.held(from, to);
            List<Long> inos = held.inos();
            if (inos.isEmpty() || dropper.isShutdown()) {
                return; // nothing cached, or unmounted: the kernel holds no caches of ours any more
            }
            try {
                for (long ino : inos) { // attributes only: no page locks, so never a wait
                    m.notifier().notifyInvalInode(CrfsFuse.node(ino), -1, 0);
                }
                if (epochs && held.anyDirectory()) {
                    m.notifier().notifyIncEpoch();
                }
            } catch (RuntimeException e) {
                LOG.warn("kernel cache invalidation of inodes {}..{} failed: {}", from, to, e.getMessage());
            }
            java.util.concurrent.Future<?> drop;
            try {
                drop = dropper.submit(() -> {
                    for (long ino : inos) {
                        m.notifier().notifyInvalInode(CrfsFuse.node(ino), 0, 0);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("unmounted while invalidating {}..{}", from, to);
                return;
            }
            awaitDrop(drop, inos.size(), m);
        });
        LOG.info("mounted crfs at {}", dir);
        return new Mounted(m, c, embedded, dropper);
    }

    /** The longest a revoke's answer waits for the kernel to drop pages (a safety net: see {@link #awaitDrop}). */
    static final long DROP_WAIT_NANOS = 1_000_000_000L;
    /** A request served this long may be waiting for this revoke's answer, through the server. */
    static final long STUCK_NANOS = 1_000_000L;

    /**
     * Waits until the kernel dropped the pages of the {@code inodes} a revoke lost. Dropping
     * pages also makes the kernel throw away attributes it is fetching at that moment, so a drop
     * after the revoke's answer could make a read that follows the other client's change use the
     * size from before it. But the drop waits for the page locks of READs (and WRITEs) in flight,
     * and such a request, or one a READ is queued behind, may wait for a grant that waits for
     * this answer. So the wait ends early once such a request has been served for
     * {@link #STUCK_NANOS} ({@link FuseMount#servingNanos}).
     */
    static void awaitDrop(java.util.concurrent.Future<?> drop, int inodes, FuseMount m) {
        long deadline = System.nanoTime() + DROP_WAIT_NANOS;
        while (true) {
            try {
                drop.get(1, java.util.concurrent.TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.TimeoutException e) {
                if (m.servingNanos() >= STUCK_NANOS) {
                    LOG.debug("pages of {} inodes dropped after the revoke's answer: a request is under way", inodes);
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    LOG.info("pages of {} inodes not dropped within {} ms; answering the revoke", inodes,
                            DROP_WAIT_NANOS / 1_000_000);
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("kernel page invalidation failed: {}", e.getCause().getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
