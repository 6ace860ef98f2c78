package io.crfs.client;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.protocol.Edit;
import io.crfs.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link RemoteStore}'s reads of items: lookups and scans of the cache with an operation's staged
 * edits laid over, fetching from the server what a grant did not bring (big directories,
 * {@link PartialItems}).
 *
 * <p>Not thread-safe: the store calls it only with its lock held, inside an operation that holds
 * a READ grant on the object, so no revoke runs meanwhile.
 */
final class ItemReads {
    /** After this many fetches of one object under one grant, the rest of it is loaded at once. */
    static final int FETCHES_BEFORE_ALL = 16;

    private final Session session;
    private final ItemCache items;
    private final PartialItems partial;
    private final Outbox outbox;

    ItemReads(Session session, ItemCache items, PartialItems partial, Outbox outbox) {
        this.session = session;
        this.items = items;
        this.partial = partial;
        this.outbox = outbox;
    }

    /** The value of {@code k}, staged in {@code op} (may be null) or cached, fetched if not loaded yet; null if none. */
    byte[] value(Overlay op, Key k) {
        if (op != null) {
            byte[] v = op.get(k);
            if (v != null) {
                return v == Overlay.DELETED ? null : v;
            }
        }
        if (!partial.has(k)) {
            fetch(k, k, 1, false);
        }
        return items.get(k);
    }

    /**
     * Up to {@code limit} items of keys [min, max] (one object, granted READ), from the end
     * {@code backward} says, {@code op}'s staged edits (may be null) laid over the cache.
     */
    List<Item> scan(Overlay op, Key min, Key max, int limit, boolean backward) {
        while (partial.isPartial(min.objectid())) {
            // only the loaded run next to where the scan starts is known: scan that, load on if short
            Key edge = backward ? partial.loadedDownFrom(max) : partial.loadedUpFrom(min);
            if (edge == null) {
                fetch(min, max, limit, backward);
                continue;
            }
            Key lo = backward ? (edge.compareTo(min) > 0 ? edge : min) : min;
            Key hi = backward ? max : (edge.compareTo(max) < 0 ? edge : max);
            List<Item> out = mergedLoaded(op, lo, hi, limit, backward);
            if (out.size() >= limit || lo.equals(min) && hi.equals(max)) {
                return out;
            }
            if (backward) {
                fetch(min, PartialItems.before(lo), limit - out.size(), true);
            } else {
                fetch(PartialItems.after(hi), max, limit - out.size(), false);
            }
        }
        return mergedLoaded(op, min, max, limit, backward);
    }

    /** The scan over keys the cache holds whole, {@code op}'s staged edits laid over. */
    private List<Item> mergedLoaded(Overlay op, Key min, Key max, int limit, boolean backward) {
        java.util.NavigableMap<Key, byte[]> cached = items.range(min, max);
        java.util.NavigableMap<Key, byte[]> staged = op == null ? java.util.Collections.emptyNavigableMap()
                : op.range(min, max);
        if (backward) {
            cached = cached.descendingMap();
            staged = staged.descendingMap();
        }
        // merge two sorted streams, the staged one winning on equal keys, stopping at the limit
        java.util.Iterator<Map.Entry<Key, byte[]>> a = cached.entrySet().iterator();
        java.util.Iterator<Map.Entry<Key, byte[]>> b = staged.entrySet().iterator();
        Map.Entry<Key, byte[]> x = a.hasNext() ? a.next() : null;
        Map.Entry<Key, byte[]> y = b.hasNext() ? b.next() : null;
        List<Item> out = new ArrayList<>();
        while ((x != null || y != null) && out.size() < limit) {
            int c;
            if (x == null) {
                c = 1;
            } else if (y == null) {
                c = -1;
            } else {
                c = backward ? y.getKey().compareTo(x.getKey()) : x.getKey().compareTo(y.getKey());
            }
            if (c < 0) {
                out.add(new Item(x.getKey(), x.getValue()));
                x = a.hasNext() ? a.next() : null;
            } else {
                if (y.getValue() != Overlay.DELETED) {
                    out.add(new Item(y.getKey(), y.getValue()));
                }
                if (c == 0) {
                    x = a.hasNext() ? a.next() : null;
                }
                y = b.hasNext() ? b.next() : null;
            }
        }
        return out;
    }

    /**
     * Fetches items of a granted object the grant did not bring (the store's lock held: the
     * server answers at once, after the batches we sent before, and no revoke of ours can run
     * meanwhile). After {@link #FETCHES_BEFORE_ALL} fetches of one object, loads the rest of it: a
     * client that keeps using a big directory pays for it once per grant, one that uses a few
     * names of it (two clients taking turns in one directory) pays for those names only.
     */
    private void fetch(Key min, Key max, int limit, boolean backward) {
        long o = min.objectid();
        if (partial.fetched(o) <= FETCHES_BEFORE_ALL) {
            installFetched((Message.Items) StoreCalls.call(session, new Message.Fetch(min, max,
                    Math.min(io.crfs.protocol.Opcodes.MAX_FETCH, Math.max(limit, 64)), backward)));
            return;
        }
        Key gap;
        while ((gap = partial.firstGap(o)) != null) {
            installFetched((Message.Items) StoreCalls.call(session, new Message.Fetch(gap, partial.grantMax(o),
                    io.crfs.protocol.Opcodes.MAX_FETCH, false)));
        }
    }

    /**
     * Fetched items replace what the cache had in their range, except keys with edits of ours the
     * server may not have applied when it answered (not yet sent, or in flight: their value here
     * is newer), and the INODE_ITEMs of inodes with data edits there (their size is ours until then).
     */
    private void installFetched(Message.Items r) {
        java.util.Set<Key> ours = new java.util.HashSet<>();
        java.util.function.Consumer<Edit> note = e -> {
            Key k = e instanceof Edit.Put p ? p.key() : e instanceof Edit.Delete d ? d.key()
                    : new Key(Outbox.dataIno(e), ItemType.INODE_ITEM, 0); // data edits change size and nbytes here first
            if (k.compareTo(r.from()) >= 0 && k.compareTo(r.to()) <= 0) {
                ours.add(k);
            }
        };
        outbox.forEachUnapplied(note);
        items.removeIf(r.from(), r.to(), k -> !ours.contains(k));
        for (Item it : r.items()) {
            if (!ours.contains(it.key()) && it.key().type() != ItemType.EXTENT_DATA) {
                items.put(it.key(), it.value());
            }
        }
        partial.loaded(r.from(), r.to());
    }
}
