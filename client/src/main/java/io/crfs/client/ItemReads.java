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
 * <p>A fetch may be waited for with no lock held: it is sent, the attempt gives itself up
 * ({@link NeedReply}), and the operation's next attempt installs the answer. What it installs is
 * what a fetch under the lock would: the answer is taken only under the grant it was asked under
 * ({@link PartialItems#generation}), and keys this client has edited since it was sent, or had
 * edits of unapplied when it was, keep the cache's value.
 *
 * <p>Not thread-safe: the store calls it only with its lock held, inside an operation that holds
 * a READ grant on the object, so no revoke runs meanwhile.
 */
final class ItemReads {
    /** After this many fetches of one object under one grant, the rest of it is loaded at once. */
    static final int FETCHES_BEFORE_ALL = 16;
    /** FETCHes on their way for operations waiting with no lock held: past this many, the oldest is abandoned. */
    static final int MAX_PENDING = 16;

    /**
     * What a FETCH was asked for: a range ({@code rest} false), or the rest of the object from its
     * first gap ({@code rest} true; the other fields then unused).
     */
    private record Ask(long objectid, Key min, Key max, int limit, boolean backward, boolean rest) {
    }

    /**
     * A FETCH (or, for the rest of an object, a chain of them, each sent when the one before
     * answers) on its way, asked under the grant {@code generation} stands for. {@code ours}: keys
     * of the object with edits of ours the server had not applied when it was sent, and those
     * edited here since; their cached values are newer than what it brings.
     */
    private record Pending(Ask ask, Object generation, java.util.Set<Key> ours,
            java.util.concurrent.CompletableFuture<List<Message>> replies, int[] installed) {
    }

    /**
     * How long one attempt installs fetched items before it lets the store's lock go (and takes
     * it again) to install the rest: the rest of a directory of 200,000 names is 400,000 items,
     * about 0.1 s of work that would otherwise hold up every other operation of the client.
     * Tests set it to 0 (a yield after every answer).
     */
    static long installSliceNanos = 4_000_000L;

    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();

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

    /**
     * The value of {@code k}, staged in {@code op} (may be null) or cached, fetched if not loaded
     * yet; null if none. With {@code outside}, a fetch gives the attempt up ({@link NeedReply}).
     */
    byte[] value(Overlay op, Key k, boolean outside) {
        if (op != null) {
            byte[] v = op.get(k);
            if (v != null) {
                return v == Overlay.DELETED ? null : v;
            }
        }
        if (!partial.has(k)) {
            fetch(new Ask(k.objectid(), k, k, 1, false, false), outside);
        }
        return items.get(k);
    }

    /**
     * Up to {@code limit} items of keys [min, max] (one object, granted READ), from the end
     * {@code backward} says, {@code op}'s staged edits (may be null) laid over the cache. With
     * {@code outside}, a fetch gives the attempt up ({@link NeedReply}).
     */
    List<Item> scan(Overlay op, Key min, Key max, int limit, boolean backward, boolean outside) {
        while (partial.isPartial(min.objectid())) {
            // only the loaded run next to where the scan starts is known: scan that, load on if short
            Key edge = backward ? partial.loadedDownFrom(max) : partial.loadedUpFrom(min);
            if (edge == null) {
                fetch(new Ask(min.objectid(), min, max, limit, backward, false), outside);
                continue;
            }
            Key lo = backward ? (edge.compareTo(min) > 0 ? edge : min) : min;
            Key hi = backward ? max : (edge.compareTo(max) < 0 ? edge : max);
            List<Item> out = mergedLoaded(op, lo, hi, limit, backward);
            if (out.size() >= limit || lo.equals(min) && hi.equals(max)) {
                return out;
            }
            if (backward) {
                fetch(new Ask(min.objectid(), min, PartialItems.before(lo), limit - out.size(), true, false), outside);
            } else {
                fetch(new Ask(min.objectid(), PartialItems.after(hi), max, limit - out.size(), false, false), outside);
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
     * Fetches items of a granted object the grant did not bring. After {@link #FETCHES_BEFORE_ALL}
     * fetches of one object, loads the rest of it: a client that keeps using a big directory pays
     * for it once per grant, one that uses a few names of it (two clients taking turns in one
     * directory) pays for those names only.
     *
     * <p>With {@code outside}, a fetch not answered yet gives the attempt up ({@link NeedReply});
     * the next attempt asks the same and takes the answer. Without, it waits here, the store's
     * lock held: the server answers after the batches we sent before, and no revoke of ours runs
     * meanwhile.
     */
    private void fetch(Ask ask, boolean outside) {
        long o = ask.objectid();
        Pending p = pendingFor(ask);
        if (p == null) {
            boolean rest = partial.fetched(o) > FETCHES_BEFORE_ALL;
            Ask a = rest ? new Ask(o, null, null, 0, false, true) : ask;
            if (!outside) {
                fetchHere(a);
                return;
            }
            p = send(a);
        }
        if (!p.replies().isDone()) {
            if (outside) {
                throw new NeedReply(p.replies());
            }
            StoreCalls.awaitQuietly(p.replies(), Session.CALL_TIMEOUT_MS);
        }
        List<Message> got = p.replies().isDone() && !p.replies().isCompletedExceptionally() ? p.replies().join() : null;
        if (got == null || got.stream().anyMatch(m -> !(m instanceof Message.Items))) {
            pending.remove(p);
            fetchHere(p.ask()); // failed or refused on its way: asked again here, where a failure is the operation's
            return;
        }
        long until = System.nanoTime() + installSliceNanos;
        while (p.installed()[0] < got.size()) {
            installFetched((Message.Items) got.get(p.installed()[0]++), p.ours());
            if (outside && p.installed()[0] < got.size() && System.nanoTime() - until >= 0) {
                throw new NeedReply(p.replies(), true); // the rest in the next attempt: others may go first
            }
        }
        pending.remove(p);
    }

    /** The fetch on its way for {@code ask}, or for the rest of its object, under the object's present grant; or null. */
    private Pending pendingFor(Ask ask) {
        if (pending.isEmpty()) {
            return null;
        }
        Object gen = partial.generation(ask.objectid());
        for (Pending p : pending) {
            if (p.generation() == gen && p.ask().objectid() == ask.objectid() && (p.ask().rest() || p.ask().equals(ask))) {
                return p;
            }
        }
        return null;
    }

    /** Sends {@code a} without waiting, kept as pending. */
    private Pending send(Ask a) {
        long o = a.objectid();
        Key from = a.rest() ? partial.firstGap(o) : a.min();
        Key to = a.rest() ? partial.grantMax(o) : a.max();
        java.util.Set<Key> ours = new java.util.HashSet<>();
        outbox.forEachUnapplied(e -> {
            Key k = editedKey(e);
            if (k.objectid() == o) {
                ours.add(k);
            }
        });
        java.util.concurrent.CompletableFuture<List<Message>> replies = a.rest()
                ? chain(from, to, new ArrayList<>())
                : session.send(fetchOf(a)).thenApply(List::of);
        Pending p = new Pending(a, partial.generation(o), ours, replies, new int[1]);
        // answers asked under a grant since lost, or for an object since loaded whole, can never be taken
        pending.removeIf(q -> q.generation() != partial.generation(q.ask().objectid()));
        pending.addLast(p);
        if (pending.size() > MAX_PENDING) {
            pending.removeFirst(); // its answer goes unused; a later attempt asks again
        }
        return p;
    }

    /**
     * FETCHes of [from, to] in turn, each sent (from the connection's thread) when the one before
     * has answered, until one reaches {@code to} or is not ITEMS.
     */
    private java.util.concurrent.CompletableFuture<List<Message>> chain(Key from, Key to, List<Message> got) {
        return session.send(new Message.Fetch(from, to, io.crfs.protocol.Opcodes.MAX_FETCH, false)).thenCompose(m -> {
            got.add(m);
            if (!(m instanceof Message.Items r) || r.to().compareTo(to) >= 0 || r.to().compareTo(from) < 0) {
                return java.util.concurrent.CompletableFuture.completedFuture(got);
            }
            return chain(PartialItems.after(r.to()), to, got);
        });
    }

    private static Message.Fetch fetchOf(Ask a) {
        return new Message.Fetch(a.min(), a.max(), Math.min(io.crfs.protocol.Opcodes.MAX_FETCH, Math.max(a.limit(), 64)),
                a.backward());
    }

    /** An edit of ours was staged: a fetch on its way must not overwrite what it changed. */
    void edited(Edit e) {
        if (pending.isEmpty()) {
            return;
        }
        Key k = editedKey(e);
        for (Pending p : pending) {
            if (p.ask().objectid() == k.objectid()) {
                p.ours().add(k);
            }
        }
    }

    /** Forgets the fetches on their way (the client is closing, or dropped everything). */
    void clear() {
        pending.clear();
    }

    /** Fetches {@code a} and waits for it here. */
    private void fetchHere(Ask a) {
        if (!a.rest()) {
            installFetched((Message.Items) StoreCalls.call(session, fetchOf(a)), java.util.Set.of());
            return;
        }
        long o = a.objectid();
        Key gap;
        while ((gap = partial.firstGap(o)) != null) {
            installFetched((Message.Items) StoreCalls.call(session, new Message.Fetch(gap, partial.grantMax(o),
                    io.crfs.protocol.Opcodes.MAX_FETCH, false)), java.util.Set.of());
        }
    }

    /** The key whose cached value an edit changes first: its item's, or for a data edit its inode's (size and nbytes). */
    private static Key editedKey(Edit e) {
        return e instanceof Edit.Put p ? p.key() : e instanceof Edit.Delete d ? d.key()
                : new Key(Outbox.dataIno(e), ItemType.INODE_ITEM, 0);
    }

    /**
     * Fetched items replace what the cache had in their range, except keys with edits of ours the
     * server may not have applied when it answered (not yet sent, or in flight: their value here
     * is newer; {@code alsoOurs} names those of a fetch that was on its way meanwhile), and the
     * INODE_ITEMs of inodes with data edits there (their size is ours until then).
     */
    private void installFetched(Message.Items r, java.util.Set<Key> alsoOurs) {
        java.util.Set<Key> ours = new java.util.HashSet<>();
        java.util.function.Consumer<Key> note = k -> {
            if (k.compareTo(r.from()) >= 0 && k.compareTo(r.to()) <= 0) {
                ours.add(k);
            }
        };
        outbox.forEachUnapplied(e -> note.accept(editedKey(e)));
        alsoOurs.forEach(note);
        items.removeIf(r.from(), r.to(), k -> !ours.contains(k));
        for (Item it : r.items()) {
            if (!ours.contains(it.key()) && it.key().type() != ItemType.EXTENT_DATA) {
                items.put(it.key(), it.value());
            }
        }
        partial.loaded(r.from(), r.to());
    }
}
