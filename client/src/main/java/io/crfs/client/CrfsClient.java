package io.crfs.client;

import io.crfs.format.ItemStore;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A crfs client: one session with crfsd, an item and data cache kept coherent by the server's
 * grants and revokes, and POSIX on top ({@link #posix()}). Thread-safe.
 *
 * <pre>{@code
 * try (CrfsClient c = CrfsClient.connect("127.0.0.1", 7070, "my-app")) {
 *     PosixFs fs = c.posix();
 *     Attr f = fs.create(Caller.ROOT, PosixFs.ROOT, "hello".getBytes(), 0644, true);
 * }
 * }</pre>
 */
public final class CrfsClient implements AutoCloseable {
    private final Session session;
    private final RemoteStore store;
    private final PosixFs posix;
    private final ExecutorService revokes = Executors.newSingleThreadExecutor(r -> daemon(r, "crfs-revoke"));
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "crfs-flush"));

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Client settings. {@code writeBack}: batch edits under WRITE grants and send them on sync,
     * revoke, size or a short delay (the default); off, every operation's edits are sent at once.
     * {@code maxObjects}: how many objects (inodes) the client caches, with their grants, at most;
     * beyond that it gives back the least recently used (about 700 bytes of heap each).
     * {@code kernelPageCache}: the kernel's page cache sits above this client (a FUSE mount), so
     * its own page cache keeps only what the kernel's does not: not the data it writes, and not
     * the chunks a sequential reader has read to their end (they are used once; a large streaming
     * read then takes a few read-aheads of memory, not the whole cache). Off (the default, for
     * Java programs through the nio provider), both are kept for the next read.
     */
    public record Options(boolean writeBack, int maxObjects, boolean kernelPageCache) {
        public static final int MAX_OBJECTS = 1 << 18;

        public Options {
            if (maxObjects < 4) {
                throw new IllegalArgumentException("maxObjects must be at least 4, got " + maxObjects);
            }
        }

        public Options(boolean writeBack, int maxObjects) {
            this(writeBack, maxObjects, false);
        }

        public Options(boolean writeBack) {
            this(writeBack, MAX_OBJECTS);
        }

        public static Options defaults() {
            return new Options(true);
        }

        public Options withKernelPageCache(boolean on) {
            return new Options(writeBack, maxObjects, on);
        }
    }

    private CrfsClient(String host, int port, String name, Caller identity, Options options) throws IOException {
        RemoteStore[] self = new RemoteStore[1];
        Message.Hello hello = new Message.Hello(Frame.VERSION, identity.uid(), identity.gid(), identity.groups(), name, 0);
        this.session = new Session(new InetSocketAddress(host, port), hello, m -> {
            if (m instanceof Message.Revoke r) {
                revokes.execute(() -> self[0].revoke(r));
            }
        });
        this.store = new RemoteStore(session, options.writeBack(), options.maxObjects(), options.kernelPageCache());
        self[0] = store;
        store.redeliverWith(r -> revokes.execute(() -> store.revoke(r)));
        session.onDead(store::lostSession);
        this.posix = new PosixFs(store);
        flusher.scheduleWithFixedDelay(store::flushIfOld, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Connects as root (the identity the server records for the session). */
    public static CrfsClient connect(String host, int port, String name) throws IOException {
        return new CrfsClient(host, port, name, Caller.ROOT, Options.defaults());
    }

    public static CrfsClient connect(String host, int port, String name, Caller identity) throws IOException {
        return new CrfsClient(host, port, name, identity, Options.defaults());
    }

    public static CrfsClient connect(String host, int port, String name, Caller identity, Options options)
            throws IOException {
        return new CrfsClient(host, port, name, identity, options);
    }

    /** POSIX operations over the cached items (permission checks use each call's Caller). */
    public PosixFs posix() {
        return posix;
    }

    /** The raw item store (for tools and tests). */
    public ItemStore store() {
        return store;
    }

    /**
     * Thrown by a call made through {@link #withoutWaiting} instead of waiting for crfsd: the call
     * changed nothing, and may be made again on a thread where its wait holds nobody up.
     */
    public static final class WouldWait extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WouldWait() {
            super("the call would wait for crfsd", null, false, false);
        }
    }

    /**
     * Runs {@code call}; if its first operation on the cache would have to wait for crfsd (a
     * grant another client holds, items or file data not cached), it throws {@link WouldWait}
     * instead, having changed nothing. Once an operation of the call has completed, the call
     * waits as any other would (what it did must not be done twice). For a thread that serves
     * other callers too, such as a FUSE ring queue's.
     */
    public <T> T withoutWaiting(java.util.function.Supplier<T> call) {
        return NoWait.run(call);
    }

    /** Called with [from, to] objectid ranges whose cached items and data were just dropped. */
    public void onInvalidate(java.util.function.BiConsumer<Long, Long> listener) {
        store.addListener(listener::accept);
    }

    /** Bytes held for sequential readers, in READs ahead and kept replies (tests). */
    long readAheadBytes() {
        return store.readAheadBytes();
    }

    /** Requests sent to the server so far (cache hits send none). */
    public long roundTrips() {
        return session.roundTrips.get();
    }

    public long sessionId() {
        return session.id();
    }

    public int grantsHeld() {
        return store.grantCount();
    }

    public long cachedItems() {
        return store.cachedItems();
    }

    public long cachedDataBytes() {
        return store.cachedBytes();
    }

    /**
     * Sets or clears a POSIX record lock ({@code flock} false) or a flock lock on [start, end]
     * (inclusive) for {@code owner} (unique within this client). type: 0 read, 1 write, 2
     * unlock. With {@code block} it waits until granted; clearing the same owner's range from
     * another thread cancels the wait (the waiting call then fails with EINTR).
     *
     * @throws RemoteException with code LOCKED when a non-blocking request conflicts, INTERRUPTED
     *         when the wait was cancelled
     */
    public void lock(long ino, long owner, long start, long end, int type, boolean block, boolean flock)
            throws IOException {
        session.callWaiting(new Message.Lock(ino, owner, start, end, type, block, flock));
    }

    /** F_GETLK: the lock another owner holds that would block this one, or type 2 (unlocked). */
    public Message.LockInfo testLock(long ino, long owner, long start, long end, int type, boolean flock)
            throws IOException {
        return (Message.LockInfo) session.call(new Message.GetLock(ino, owner, start, end, type, flock));
    }

    /** The server's own account of itself (sessions, grants, revokes, commits), as text. */
    public String serverStatus() throws IOException {
        return ((Message.StatusText) session.call(new Message.Status())).text();
    }

    /** Flushes dirty edits and makes everything durable on the server. */
    public void sync() {
        posix.sync();
    }

    @Override
    public void close() {
        try {
            if (!session.isDead()) {
                store.sync();
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(CrfsClient.class).warn("final flush failed: {}", e.getMessage());
        } finally {
            flusher.shutdownNow();
            revokes.shutdownNow();
            store.dropReaders();
            session.close();
        }
    }
}
