package io.crfs.client;

import io.crfs.format.Key;
import io.crfs.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * Forgets the grants {@link RemoteStore} gives back, loses to a revoke or loses all at once,
 * with what it cached under them (items, pages, READs ahead), and tells the listeners which
 * objectids this client may no longer cache.
 *
 * <p>Not thread-safe: the store calls it with its lock held, except {@link #addListener} and
 * {@link #tell}, which touch only the (copy-on-write) listener list and may run outside it.
 */
final class Invalidator {
    /** The store's logger: its log lines keep their name (log levels are set by it). */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RemoteStore.class);

    private final Session session;
    private final Grants grants;
    private final ItemCache items;
    private final PartialItems partial;
    private final PageCache pages;
    private final Outbox outbox;
    private final DataReads reads;
    private final OpenHere openHere;
    private final List<RemoteStore.InvalidationListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    Invalidator(Session session, Grants grants, ItemCache items, PartialItems partial, PageCache pages, Outbox outbox,
            DataReads reads, OpenHere openHere) {
        this.session = session;
        this.openHere = openHere;
        this.grants = grants;
        this.items = items;
        this.partial = partial;
        this.pages = pages;
        this.outbox = outbox;
        this.reads = reads;
    }

    void addListener(RemoteStore.InvalidationListener l) {
        listeners.add(l);
    }

    /**
     * Gives back the least recently used grants, down to 7/8 of {@code maxObjects}: grants of
     * one object with no edits of ours unapplied. Their cache goes, the listeners are told (the
     * kernel must not keep what another client may now change), and the server gets RELEASE
     * without our waiting for it. The store's lock held, between operations (no attempt holds on
     * to them).
     */
    void shrink(int maxObjects) {
        int excess = grants.size() - maxObjects / 8 * 7;
        if (excess <= 0) {
            return;
        }
        java.util.Set<Long> busy = outbox.editedObjectids();
        List<Grants.Held> back = new ArrayList<>();
        for (Grants.Held h : grants.byUse()) {
            if (back.size() == excess) {
                break;
            }
            if (h.whole() && !busy.contains(h.min().objectid())) { // else our unused inode numbers, or unapplied edits
                back.add(h);
            }
        }
        LOG.debug("giving back {} of {} grants", back.size(), grants.size());
        giveBack(back, h -> session.post(openHere.release(h)));
    }

    /**
     * Forgets grants we give back, tells the listeners, and only then lets {@code release} tell
     * the server: once it knows, another client may change what they covered at once, and by
     * then nothing here (the kernel's caches included) may still show the old state.
     */
    void giveBack(List<Grants.Held> back, java.util.function.Consumer<Grants.Held> release) {
        List<long[]> gone = new ArrayList<>();
        for (Grants.Held h : back) {
            gone.addAll(forget(h));
        }
        gone.forEach(r -> tell(r[0], r[1]));
        back.forEach(release);
    }

    /**
     * Forgets a grant we no longer hold, with its cache, except what another grant of ours still
     * covers: a WRITE taken on one object inside our READ over a range (an object made from our
     * unused inode numbers, then edited after another client read it) outlives or predates the
     * range's grant. Returns the objectid ranges [from, to] no longer covered at all, which
     * listeners must be told of. The store's lock held.
     */
    List<long[]> forget(Grants.Held h) {
        grants.remove(h);
        List<long[]> gone = new ArrayList<>();
        Key from = h.min();
        for (Grants.Held o : grants.overlapping(h.min(), h.max())) {
            if (o.min().compareTo(from) > 0) {
                drop(from, PartialItems.before(o.min()), gone);
            }
            if (o.max().compareTo(from) >= 0) {
                from = o.max().compareTo(h.max()) >= 0 ? null : PartialItems.after(o.max());
            }
            if (from == null) {
                return gone;
            }
        }
        drop(from, h.max(), gone);
        return gone;
    }

    /** Drops the cache of whole objects [a, b] (grants cover whole objects). */
    private void drop(Key a, Key b, List<long[]> gone) {
        items.clear(a, b);
        partial.dropped(a.objectid(), b.objectid());
        pages.dropRange(a.objectid(), b.objectid());
        reads.drop(a.objectid(), b.objectid());
        gone.add(new long[] {a.objectid(), b.objectid()});
    }

    /**
     * Forgets every grant, item, page, READ ahead and unsent edit (the store's dropAll, which
     * then tells the listeners that everything is invalid).
     */
    void clear() {
        outbox.clear();
        items.clear();
        partial.clear();
        pages.clear();
        reads.clear();
        grants.clear();
    }

    /** Tells every listener; one that fails must not keep the revoke from being answered. */
    void tell(long from, long to) {
        for (RemoteStore.InvalidationListener l : listeners) {
            try {
                l.invalidated(from, to);
            } catch (RuntimeException e) {
                LOG.warn("invalidation listener failed for objectids {}..{}: {}", Long.toUnsignedString(from),
                        Long.toUnsignedString(to), e.toString());
            }
        }
    }
}
