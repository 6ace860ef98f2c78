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
 * code and the same coherence as over the network). When the client loses a grant, the
 * kernel's cached pages and attributes of those inodes are invalidated with notify messages.
 */
public final class Mounts {
    private static final Logger LOG = LoggerFactory.getLogger(Mounts.class);
    /** Kernel attribute and entry caching: none, so that every stat and lookup sees what the grants allow. */
    static final long TTL_NANOS = 0;

    private Mounts() {}

    /** A mounted crfs; close unmounts, flushes and disconnects (and stops the embedded server). */
    public static final class Mounted implements AutoCloseable {
        private final FuseMount mount;
        private final CrfsClient client;
        private final Crfsd embedded;

        Mounted(FuseMount mount, CrfsClient client, Crfsd embedded) {
            this.mount = mount;
            this.client = client;
            this.embedded = embedded;
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
        CrfsClient c = CrfsClient.connect(host, port, "fuse:" + dir);
        try {
            return mount(c, dir, null);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public static Mounted local(Path image, Path dir) throws IOException {
        Crfsd d = Crfsd.start(image, "127.0.0.1", 0, Crfsd.Options.defaults());
        try {
            CrfsClient c = CrfsClient.connect("127.0.0.1", d.port(), "fuse-local:" + dir);
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

    private static Mounted mount(CrfsClient c, Path dir, Crfsd embedded) throws IOException {
        CrfsFuse fs = new CrfsFuse(c.posix(), TTL_NANOS, c);
        FuseMount m = FuseMount.mount(dir, fs, FuseMount.Options.defaults().withNames("crfs", "crfs").withReaddirplus(false)
                .withKernelChecks(true, true));
        // Kernel invalidations run on their own thread, after the revoke is acknowledged: the
        // kernel may hold a page lock for a READ of the same file that waits for a grant, which the
        // server gives only once this revoke is answered. Invalidating inline deadlocks that cycle.
        java.util.concurrent.ExecutorService notifier = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "crfs-fuse-invalidate");
            t.setDaemon(true);
            return t;
        });
        c.onInvalidate((from, to) -> {
            List<Long> inos = fs.known(from, to);
            if (!inos.isEmpty()) {
                notifier.execute(() -> {
                    for (long ino : inos) {
                        m.notifier().notifyInvalInode(CrfsFuse.node(ino), 0, 0);
                    }
                });
            }
        });
        LOG.info("mounted crfs at {}", dir);
        return new Mounted(m, c, embedded);
    }
}
