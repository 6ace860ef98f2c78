package io.crfs.client;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.protocol.Message;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@link RemoteStore}'s side of the grant exchange with crfsd: acquiring an object's grant,
 * installing what crfsd granted, and answering its revokes.
 *
 * <p>Runs on the store's lock: acquires wait for crfsd without it, installs and revokes take it,
 * so a revoke never sees half an operation and an install never lands inside one.
 */
final class GrantKeeper {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrantKeeper.class);

    private final Session session;
    private final ReentrantLock lock;
    private final Grants grants;
    private final ItemCache items;
    private final PartialItems partial;
    private final Outbox outbox;
    private final Invalidator invalidator;
    private final OpenHere openHere;
    private final int maxObjects;
    /** Objects being acquired ({@link #acquire}); guarded by itself. */
    private final Map<Long, Turn> acquiring = new java.util.HashMap<>();
    /** Revokes that overtook the install of their grant: handled once it is installed. */
    private final EarlyRevokes early = new EarlyRevokes();
    private Consumer<Message.Revoke> redeliver = r -> { };
    /** More grants than {@link #maxObjects} are held: some are given back when the next operation starts. */
    private boolean shrinkDue;

    GrantKeeper(Session session, ReentrantLock lock, Grants grants, ItemCache items, PartialItems partial,
            Outbox outbox, Invalidator invalidator, OpenHere openHere, int maxObjects) {
        this.openHere = openHere;
        this.session = session;
        this.lock = lock;
        this.grants = grants;
        this.items = items;
        this.partial = partial;
        this.outbox = outbox;
        this.invalidator = invalidator;
        this.maxObjects = maxObjects;
    }

    /** Where a revoke goes once the grant it overtook is installed (off the caller's thread). */
    void redeliverWith(Consumer<Message.Revoke> r) {
        this.redeliver = r;
    }

    /** Whether more grants than the limit are held, clearing the mark. Caller holds the lock. */
    boolean takeShrinkDue() {
        boolean due = shrinkDue;
        shrinkDue = false;
        return due;
    }

    /**
     * Acquires the objectid's whole range, without the store's lock (it may wait for other
     * clients), one acquire of an object at a time, and none once an earlier one got what this
     * needs. The server's newer grant of a range absorbs an older one of ours inside it, so an
     * object's grants must be installed in the order the server made them: two acquires of one
     * object at once could install the older grant last, keep a grant the server had dropped,
     * and miss the revokes of the newer one. And a READ asked after a WRITE was installed would
     * leave the server holding both and this client only the READ. Acquires of different
     * objects (whole, disjoint ranges) go on side by side.
     */
    void acquire(long objectid, int mode) {
        acquire(objectid, mode, -1);
    }

    /**
     * {@link #acquire(long, int)}, waiting at most {@code waitNanos} (none: -1) for its turn and
     * crfsd's answer. Returns false if it is not done by then: an ACQUIRE sent then completes on
     * its own, and a later acquire of the object waits for it at the object's turn.
     */
    boolean acquire(long objectid, int mode, long waitNanos) {
        long until = System.nanoTime() + waitNanos;
        Turn t;
        synchronized (acquiring) {
            t = acquiring.computeIfAbsent(objectid, k -> new Turn());
            t.users++;
        }
        boolean handedOver = false;
        try {
            if (waitNanos < 0) {
                t.turn.acquireUninterruptibly();
            } else if (!t.turn.tryAcquire(Math.max(0, waitNanos), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                return false;
            }
            try {
                long sent;
                lock.lock();
                try {
                    if (grants.covers(Key.first(objectid), mode)) {
                        return true; // the operation that went before got it
                    }
                    sent = early.sending();
                } finally {
                    lock.unlock();
                }
                Message m = new Message.Acquire(ObjectIds.FS_TREE, Key.first(objectid), Key.last(objectid), mode);
                java.util.concurrent.CompletableFuture<Message> reply = session.send(m);
                if (waitNanos >= 0 && !StoreCalls.awaitQuietly(reply, until - System.nanoTime(),
                        java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    reply.whenCompleteAsync((r, x) -> {
                        try {
                            finish(m, reply, sent);
                        } catch (RuntimeException e) {
                            LOG.debug("acquire of {} failed after its caller stopped waiting: {}",
                                    Long.toUnsignedString(objectid), e.toString());
                        } finally {
                            t.turn.release();
                            leave(objectid, t);
                        }
                    }, FINISHERS);
                    handedOver = true;
                    return false;
                }
                finish(m, reply, sent);
                return true;
            } finally {
                if (!handedOver) {
                    t.turn.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (!handedOver) {
                leave(objectid, t);
            }
        }
    }

    /** Takes crfsd's answer to an ACQUIRE (waiting for it if need be) and installs the grant; the object's turn held. */
    private void finish(Message m, java.util.concurrent.CompletableFuture<Message> reply, long sent) {
        Message.Granted g = null;
        try {
            g = (Message.Granted) StoreCalls.await(session, m, reply);
        } finally {
            List<Message.Revoke> ready;
            lock.lock();
            try {
                if (g != null) {
                    install(g);
                }
            } finally {
                ready = early.done(sent);
                lock.unlock();
            }
            ready.forEach(redeliver);
        }
    }

    private void leave(long objectid, Turn t) {
        synchronized (acquiring) {
            if (--t.users == 0) {
                acquiring.remove(objectid);
            }
        }
    }

    /** Threads that finish the acquires their callers stopped waiting for. */
    private static final java.util.concurrent.ExecutorService FINISHERS = java.util.concurrent.Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().daemon().name("crfs-acquire").unstarted(r));

    /**
     * An object's acquires, one at a time, and how many operations are at or waiting for it. A
     * semaphore, not a lock: an acquire its caller stopped waiting for ends on another thread.
     */
    private static final class Turn {
        final java.util.concurrent.Semaphore turn = new java.util.concurrent.Semaphore(1);
        int users;
    }

    /**
     * Takes in a grant crfsd gave: its items replace the cache's for the range unless a grant of
     * ours already covered it (then the cache, with our edits, is newer). Caller holds the lock.
     */
    void install(Message.Granted g) {
        Key min = g.min(), max = g.max();
        if (LOG.isDebugEnabled()) {
            LOG.debug("session {} install grant {} mode {} objectids {}..{} ({} items), keeping cache: {}", session.id(),
                    g.grantId(), g.mode(), Long.toUnsignedString(min.objectid()), Long.toUnsignedString(max.objectid()),
                    g.items().size(), grants.covers(min, 1));
        }
        if (!grants.covers(min, 1)) {
            items.clear(min, max);
            for (Item it : g.items()) {
                if (it.key().type() != ItemType.EXTENT_DATA) {
                    items.put(it.key(), it.value());
                }
            }
            partial.granted(min, max, g.loaded());
        }
        grants.add(new Grants.Held(g.grantId(), min, max, g.mode(), g.openElsewhere()));
        shrinkDue |= grants.size() > maxObjects;
        Message.Revoke r = early.installed(g.grantId());
        if (r != null) {
            redeliver.accept(r);
        }
    }

    /** REVOKE from the server: flush, drop or downgrade, acknowledge. Runs off the event loop. */
    void revoke(Message.Revoke r) {
        List<long[]> invalid = null;
        List<Long> open = List.of();
        lock.lock();
        try {
            Grants.Held h = grants.byId(r.grantId());
            LOG.debug("revoke {} of grant {} to {}: held {}", r.revokeId(), r.grantId(), r.toMode(), h);
            if (h == null && early.mustWait(r)) {
                return; // it overtook its grant's install: answered once that is in (or known gone)
            }
            if (h != null) {
                try {
                    outbox.flush();
                } catch (RuntimeException e) {
                    LOG.error("flush for revoke {} failed: {}", r.revokeId(), e.getMessage());
                }
                if (grants.byId(r.grantId()) == null) {
                    h = null; // the failed flush dropped everything
                } else if (r.toMode() == 0) {
                    invalid = invalidator.forget(h);
                } else {
                    grants.downgrade(h);
                }
            }
            open = openHere.in(r.min(), r.max());
        } catch (RuntimeException e) {
            LOG.warn("revoke {} failed: {}", r.revokeId(), e.getMessage());
        } finally {
            lock.unlock();
        }
        if (invalid != null) {
            invalid.forEach(r2 -> invalidator.tell(r2[0], r2[1]));
        }
        session.post(new Message.RevokeDone(r.revokeId(), open));
    }
}
