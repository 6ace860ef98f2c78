package io.crfs.client;

import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemStore.LostEdits;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import io.crfs.protocol.Edit;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The client's {@link ItemStore}: items and file data cached under grants, edits batched.
 *
 * <p>Every access names an objectid (an inode, or the orphan list) and needs a grant covering
 * that objectid's whole key range: READ to read, WRITE to edit. An operation runs under
 * {@code lock} against what is cached, staging its edits in an {@link Overlay}. If it finds it
 * lacks a grant, the attempt is thrown away, the grant is acquired with no lock held (another
 * client may have to flush first, and its revoke handler needs no lock of ours), and the
 * operation runs again. A completed attempt's edits join the dirty batch, which is sent on
 * sync, on revoke, when large, and within {@link #FLUSH_DELAY_MS} by a background flusher.
 * Revokes take the same lock, so they never see half an operation.
 *
 * <p>A batch sent because it grew large is not waited for: up to {@link #MAX_IN_FLIGHT} go
 * out while operations go on (the server applies them in order), so the client and the server
 * work at the same time. Everything that needs the server to have the edits (sync, a revoke,
 * a read of data not yet applied, stat's exact block count) waits for all of them first.
 */
final class RemoteStore implements ItemStore {
    static final long FLUSH_DELAY_MS = 500;
    static final int FLUSH_EDITS = 4096;
    static final long FLUSH_BYTES = 8L << 20;
    static final int INODE_BATCH = 1024;
    static final int MAX_ATTEMPTS = 1000;
    static final int MAX_IN_FLIGHT = 2;

    private final Session session;
    private final ReentrantLock lock = new ReentrantLock();
    private final ItemCache items = new ItemCache();
    private final Grants grants = new Grants();
    /** Granted objects of which only some items are cached yet (big directories): the rest is fetched on use. */
    private final PartialItems partial = new PartialItems();
    /** After this many fetches of one object under one grant, the rest of it is loaded at once. */
    static final int FETCHES_BEFORE_ALL = 16;
    private final PageCache pages;
    /**
     * For this long after the server refused edits for lack of space or said it is short of it,
     * operations that add items or data are sent at once and wait for the answer, so that the
     * one that does not fit fails itself with ENOSPC (as on a local disk) instead of being
     * dropped with its batch.
     */
    static final long SPACE_SHORT_NANOS = 5_000_000_000L;
    private long spaceShortSince = System.nanoTime() - 2 * SPACE_SHORT_NANOS;
    /** Edits of the operation being sent and waited for because space is short (0: none). */
    private int syncOp;
    private final List<Edit> dirty = new ArrayList<>();
    /** Where each operation in {@link #dirty} ends (sent with the batch: the server splits only there). */
    private final IntList dirtyOpEnds = new IntList();
    /** Batches sent and not yet answered, oldest first. */
    private final java.util.ArrayDeque<InFlight> inFlight = new java.util.ArrayDeque<>();

    private record InFlight(Message.Batch batch, Connection conn, java.util.concurrent.CompletableFuture<Message> reply) {}
    /** Inodes with data edits in {@link #dirty} or in flight: checked on every stat and read miss, so a set, not a scan. */
    private final java.util.Set<Long> dirtyData = new java.util.HashSet<>();
    private long dirtyBytes;
    /**
     * Whether {@link #dirty} holds an operation that frees space (an unlink's DropData, truncate,
     * punch), and the index of the first operation after it that writes data (-1: none). The
     * batch is split there: the server can commit the frees when the writes need the space
     * back, and writes refused for lack of space do not take an earlier rm down with them.
     */
    private boolean dirtyFrees;
    private int freeSplit = -1;
    private long dirtySince;
    private Overlay op;
    private long nextIno;
    private long inoLeft;
    private long inoMark;
    private long inoLeftMark;
    /** Revokes that overtook the GRANTED reply of their grant: handled once it is installed. */
    private final Map<Long, Message.Revoke> early = new java.util.HashMap<>();
    private long maxGrantId;
    private java.util.function.Consumer<Message.Revoke> redeliver = r -> { };
    private final List<InvalidationListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told (outside any lock) which objectids this client may no longer cache. */
    interface InvalidationListener {
        void invalidated(long fromObjectid, long toObjectid);
    }

    private final boolean writeBack;
    /** Objects cached at most; past that, the least recently used clean ones are given back. */
    private final int maxObjects;
    /** More grants than {@link #maxObjects} are held: give some back when the next operation starts. */
    private boolean shrinkDue;

    RemoteStore(Session session, boolean writeBack, int maxObjects, boolean cacheWrites) {
        this.session = session;
        this.pages = new PageCache(PageCache.LIMIT, cacheWrites);
        this.writeBack = writeBack;
        this.maxObjects = maxObjects;
    }

    void redeliverWith(java.util.function.Consumer<Message.Revoke> r) {
        this.redeliver = r;
    }

    void addListener(InvalidationListener l) {
        listeners.add(l);
    }

    /** Thrown inside an attempt when a grant is missing; caught by {@link #operation}. */
    private static final class NeedGrant extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long objectid;
        final int mode;

        NeedGrant(long objectid, int mode) {
            super(null, null, false, false);
            this.objectid = objectid;
            this.mode = mode;
        }
    }

    // ------------------------------------------------------------------ operations

    @Override
    public <T> T operation(Supplier<T> body) {
        // modes this operation needed on each objectid: asking WRITE straight away where an
        // earlier attempt found it needs WRITE avoids a READ-then-WRITE ping-pong under contention
        Map<Long, Integer> wanted = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            NeedGrant need;
            lock.lock();
            boolean outer = op == null;
            try {
                if (!outer) {
                    return body.get(); // nested: part of the running attempt
                }
                if (shrinkDue && attempt == 0) {
                    shrinkLocked(); // not on a retry: it would give back what the last attempt acquired
                }
                op = new Overlay();
                inoMark = nextIno;
                inoLeftMark = inoLeft;
                T result = body.get();
                publish(op);
                return result;
            } catch (NeedGrant n) {
                if (!outer) {
                    throw n;
                }
                need = n;
                if (inoMark + inoLeftMark == nextIno + inoLeft) {
                    // numbers taken by the discarded attempt were never used: hand them out again
                    nextIno = inoMark;
                    inoLeft = inoLeftMark;
                }
            } finally {
                if (outer) {
                    op = null;
                }
                lock.unlock();
            }
            if (wanted == null) {
                wanted = new java.util.HashMap<>();
            }
            int mode = wanted.merge(need.objectid, need.mode, Math::max);
            if (attempt > 20 && attempt % 20 == 0) {
                org.slf4j.LoggerFactory.getLogger(RemoteStore.class).debug("attempt {} needs mode {} on {}",
                        attempt, mode, Long.toUnsignedString(need.objectid));
            }
            acquire(need.objectid, mode);
        }
        throw new StoreException(StoreException.Kind.IO, "operation kept losing its grants to other clients after "
                + MAX_ATTEMPTS + " attempts");
    }

    private void require(long objectid, int mode) {
        if (!grants.covers(Key.first(objectid), mode)) {
            throw new NeedGrant(objectid, mode);
        }
    }

    /** Acquires the objectid's whole range, no lock held (it may wait for other clients). */
    private void acquire(long objectid, int mode) {
        Message r = call(new Message.Acquire(ObjectIds.FS_TREE, Key.first(objectid), Key.last(objectid), mode));
        Message.Granted g = (Message.Granted) r;
        lock.lock();
        try {
            install(g);
        } finally {
            lock.unlock();
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RemoteStore.class);

    private void install(Message.Granted g) {
        // the server's items replace what we had for the range, except our own unflushed edits
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
        grants.add(new Grants.Held(g.grantId(), min, max, g.mode()));
        maxGrantId = Math.max(maxGrantId, g.grantId());
        shrinkDue |= grants.size() > maxObjects;
        Message.Revoke r = early.remove(g.grantId());
        if (r != null) {
            redeliver.accept(r);
        }
    }

    private void publish(Overlay o) {
        if (o.isEmpty()) {
            return;
        }
        for (Map.Entry<Key, byte[]> e : o.items.entrySet()) {
            if (e.getValue() == Overlay.DELETED) {
                items.remove(e.getKey());
            } else {
                items.put(e.getKey(), e.getValue());
            }
        }
        boolean writes = false, frees = false;
        int grows = 0; // items put minus items deleted
        for (Edit e : o.edits) {
            switch (e) {
                case Edit.Put p -> grows++;
                case Edit.Delete d -> grows--;
                case Edit.Write w -> {
                    pages.write(w.ino(), w.offset(), w.data());
                    writes = true;
                }
                case Edit.Allocate a -> writes = true;
                case Edit.Truncate t -> {
                    pages.truncate(t.ino(), t.size());
                    frees = true;
                }
                case Edit.Punch p -> {
                    pages.zero(p.ino(), p.offset(), p.offset() + p.length());
                    frees = true;
                }
                case Edit.DropData d -> {
                    pages.drop(d.ino());
                    frees = true;
                }
            }
            long dataIno = dataIno(e);
            if (dataIno != -1) {
                dirtyData.add(dataIno);
                readAhead.drop(dataIno); // a READ ahead of it would predate this edit
            }
            dirtyBytes += e instanceof Edit.Write w ? w.data().length : 64;
        }
        if (dirty.isEmpty()) {
            dirtySince = System.nanoTime();
        }
        if (writes && dirtyFrees && freeSplit < 0) {
            freeSplit = dirtyOpEnds.size(); // the operations before this one go first
        }
        dirtyFrees |= frees;
        dirty.addAll(o.edits);
        if (!o.edits.isEmpty()) {
            dirtyOpEnds.add(dirty.size());
        }
        if (!writeBack) {
            flushLocked();
        } else if ((writes || grows > 0) && System.nanoTime() - spaceShortSince < SPACE_SHORT_NANOS) {
            // near full, an operation that needs space learns at once whether it fit: if not, it
            // fails itself, and is not reported again as lost
            syncOp = o.edits.size();
            try {
                flushLocked();
            } finally {
                syncOp = 0;
            }
        } else if (dirty.size() >= FLUSH_EDITS || dirtyBytes >= FLUSH_BYTES) {
            sendLocked();
        }
    }

    // ------------------------------------------------------------------ items

    private byte[] value(Key k) {
        if (op != null) {
            byte[] v = op.get(k);
            if (v != null) {
                return v == Overlay.DELETED ? null : v;
            }
        }
        if (!partial.has(k)) {
            fetchLocked(k, k, 1, false);
        }
        return items.get(k);
    }

    /**
     * Fetches items of a granted object the grant did not bring (lock held: the server answers
     * at once, after the batches we sent before, and no revoke of ours can run meanwhile). After
     * {@link #FETCHES_BEFORE_ALL} fetches of one object, loads the rest of it: a client that keeps
     * using a big directory pays for it once per grant, one that uses a few names of it (two
     * clients taking turns in one directory) pays for those names only.
     */
    private void fetchLocked(Key min, Key max, int limit, boolean backward) {
        long o = min.objectid();
        if (partial.fetched(o) <= FETCHES_BEFORE_ALL) {
            installFetched((Message.Items) call(new Message.Fetch(min, max,
                    Math.min(io.crfs.protocol.Opcodes.MAX_FETCH, Math.max(limit, 64)), backward)));
            return;
        }
        Key gap;
        while ((gap = partial.firstGap(o)) != null) {
            installFetched((Message.Items) call(new Message.Fetch(gap, partial.grantMax(o),
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
                    : new Key(dataIno(e), ItemType.INODE_ITEM, 0); // data edits change size and nbytes here first
            if (k != null && k.compareTo(r.from()) >= 0 && k.compareTo(r.to()) <= 0) {
                ours.add(k);
            }
        };
        dirty.forEach(note);
        for (InFlight x : inFlight) {
            x.batch().edits().forEach(note);
        }
        items.removeIf(r.from(), r.to(), k -> !ours.contains(k));
        for (Item it : r.items()) {
            if (!ours.contains(it.key()) && it.key().type() != ItemType.EXTENT_DATA) {
                items.put(it.key(), it.value());
            }
        }
        partial.loaded(r.from(), r.to());
    }

    @Override
    public byte[] get(Key key) {
        return operation(() -> {
            require(key.objectid(), 1);
            byte[] v = value(key);
            return v == null ? null : v.clone(); // callers may edit what they get; the cache must not change
        });
    }

    @Override
    public List<Item> scan(Key min, Key max, int limit) {
        return operation(() -> merged(min, max, limit, false));
    }

    @Override
    public List<Item> scanBackward(Key min, Key max, int limit) {
        return operation(() -> merged(min, max, limit, true));
    }

    private List<Item> merged(Key min, Key max, int limit, boolean backward) {
        if (min.objectid() != max.objectid()) {
            throw new IllegalArgumentException("a scan must stay within one objectid: " + min + " .. " + max);
        }
        require(min.objectid(), 1);
        while (partial.isPartial(min.objectid())) {
            // only the loaded run next to where the scan starts is known: scan that, load on if short
            Key edge = backward ? partial.loadedDownFrom(max) : partial.loadedUpFrom(min);
            if (edge == null) {
                fetchLocked(min, max, limit, backward);
                continue;
            }
            Key lo = backward ? (edge.compareTo(min) > 0 ? edge : min) : min;
            Key hi = backward ? max : (edge.compareTo(max) < 0 ? edge : max);
            List<Item> out = mergedLoaded(lo, hi, limit, backward);
            if (out.size() >= limit || lo.equals(min) && hi.equals(max)) {
                return out;
            }
            if (backward) {
                fetchLocked(min, PartialItems.before(lo), limit - out.size(), true);
            } else {
                fetchLocked(PartialItems.after(hi), max, limit - out.size(), false);
            }
        }
        return mergedLoaded(min, max, limit, backward);
    }

    /** The scan over keys the cache holds whole, this operation's staged edits laid over. */
    private List<Item> mergedLoaded(Key min, Key max, int limit, boolean backward) {
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

    private static void checkKey(Key k) {
        if (k.type() == ItemType.EXTENT_DATA) {
            throw new IllegalArgumentException("EXTENT_DATA items are the server's: " + k);
        }
    }

    @Override
    public void put(Key key, byte[] value) {
        checkKey(key);
        operation(() -> {
            require(key.objectid(), 2);
            op.put(key, value);
            return null;
        });
    }

    @Override
    public boolean delete(Key key) {
        checkKey(key);
        return operation(() -> {
            require(key.objectid(), 2);
            boolean had = value(key) != null;
            if (had) {
                op.delete(key);
            }
            return had;
        });
    }

    // ------------------------------------------------------------------ data

    private InodeItem inode(long ino) {
        byte[] v = value(new Key(ino, ItemType.INODE_ITEM, 0));
        if (v == null) {
            throw new StoreException(StoreException.Kind.STALE, "inode " + ino + " does not exist");
        }
        return new InodeItem(v.clone());
    }

    private void stageData(Edit e, long ino, InodeItem in) {
        op.data(e, new Key(ino, ItemType.INODE_ITEM, 0), in == null ? null : in.bytes());
    }

    @Override
    public byte[] read(long ino, long offset, int length) {
        byte[] out = new byte[length];
        readInto(ino, offset, out, 0, length);
        return out;
    }

    @Override
    public void readInto(long ino, long offset, byte[] out, int at, int length) {
        operation(() -> {
            require(ino, 1);
            long end = offset + length;
            long last = (end - 1) / PageCache.CHUNK;
            for (long idx = offset / PageCache.CHUNK; idx <= last && length > 0; idx++) {
                long cs = idx * PageCache.CHUNK;
                int within = (int) (Math.max(cs, offset) - cs);
                int n = (int) (Math.min(cs + PageCache.CHUNK, end) - cs) - within;
                int dst = at + (int) (cs + within - offset);
                if (!pages.copyOut(ino, idx, within, out, dst, n)) {
                    Run r = missed(ino, idx, last);
                    if (!pages.copyOut(ino, idx, within, out, dst, n)) { // already dropped again: memory is short
                        int from = (int) ((idx - r.from()) * PageCache.CHUNK) + within;
                        int have = Math.max(0, Math.min(n, r.data().length - from));
                        System.arraycopy(r.data(), Math.min(from, r.data().length), out, dst, have);
                        java.util.Arrays.fill(out, dst + have, dst + n, (byte) 0);
                    }
                }
            }
            return null;
        });
    }

    /** File bytes from chunk {@code from} to chunk {@code to}, as the server sent them (shorter at end of file). */
    private record Run(long from, long to, byte[] data) {}

    private final ReadAhead readAhead = new ReadAhead();

    /**
     * Chunk {@code idx} is not cached. If READs sent ahead cover it, take them up to the one
     * that holds it; else fetch the run of missing chunks up to {@code last} in one READ (up to
     * {@link ReadAhead#CHUNKS} for a sequential reader). Then, for a reader that goes on, send
     * READs ahead. The kernel's read-ahead READs come on several threads and need not arrive in
     * order: one for chunks behind the reader is served alone and leaves the reader as it was
     * (dropping the READs ahead there once cost a third of a large sequential read again).
     */
    private Run missed(long ino, long idx, long last) {
        ReadAhead.Reader r = readAhead.get(ino);
        if (r != null && idx >= r.next && idx < r.end()) {
            Run run = takeAhead(ino, r, idx);
            if (run != null) {
                sendAhead(ino, r);
                return run;
            }
        }
        boolean sequential = r != null && r.ahead.isEmpty() && idx == r.next;
        boolean behind = r != null && idx < r.next;
        long limit = sequential ? Math.max(last, Math.min(idx + ReadAhead.CHUNKS - 1, lastChunk(ino))) : last;
        long to = idx;
        while (to < limit && to - idx < ReadAhead.CHUNKS - 1 && !pages.has(ino, to + 1)) {
            to++;
        }
        Run run = fetch(ino, idx, to);
        if (behind) {
            return run;
        }
        if (!sequential) {
            r = new ReadAhead.Reader();
            readAhead.put(ino, r);
        }
        r.next = run.to() + 1;
        if (sequential) {
            sendAhead(ino, r);
        }
        return run;
    }

    /** Waits for and caches the READs ahead of {@code r} up to the one holding chunk {@code idx}; null if one failed. */
    private Run takeAhead(long ino, ReadAhead.Reader r, long idx) {
        Run run = null;
        while (run == null || run.to() < idx) {
            ReadAhead.Ahead a = r.ahead.poll();
            try {
                Message.Data d = (Message.Data) session.await(a.request(), a.reply());
                run = cache(ino, a.from(), a.to(), d.data());
                r.next = a.to() + 1;
            } catch (IOException | RuntimeException e) {
                LOG.debug("read-ahead of inode {} failed ({}); reading now", ino, e.getMessage());
                r.ahead.clear();
                return null;
            }
        }
        return run;
    }

    private long lastChunk(long ino) {
        return (inode(ino).size() - 1) / PageCache.CHUNK;
    }

    /** Sends READs, without waiting, for the chunks after {@code r}'s until {@link ReadAhead#DEPTH} are out (not past end of file). */
    private void sendAhead(long ino, ReadAhead.Reader r) {
        if (hasDirtyData(ino)) {
            r.ahead.clear();
            return;
        }
        long end = lastChunk(ino);
        for (long from = r.end(); r.ahead.size() < ReadAhead.DEPTH && from <= end && !pages.has(ino, from); from = r.end()) {
            long to = Math.min(from + ReadAhead.CHUNKS - 1, end);
            var req = new Message.ReadData(ino, from * PageCache.CHUNK, (int) ((to - from + 1) * PageCache.CHUNK));
            r.ahead.add(new ReadAhead.Ahead(from, to, req, session.send(req)));
        }
    }

    /** Fetches chunks [from, to] of the file in one READ and caches them. */
    private Run fetch(long ino, long from, long to) {
        if (hasDirtyData(ino)) {
            flushLocked();
        }
        int len = (int) ((to - from + 1) * PageCache.CHUNK);
        Message.Data d = (Message.Data) call(new Message.ReadData(ino, from * PageCache.CHUNK, len));
        return cache(ino, from, to, d.data());
    }

    private Run cache(long ino, long from, long to, byte[] all) {
        for (long idx = from; idx <= to; idx++) {
            int at = (int) ((idx - from) * PageCache.CHUNK);
            pages.put(ino, idx, all, Math.min(at, all.length), Math.max(0, Math.min(PageCache.CHUNK, all.length - at)));
        }
        return new Run(from, to, all);
    }

    /** Whether unsent edits change the file data of {@code ino} (stat and reads then need them sent first). */
    private boolean hasDirtyData(long ino) {
        return dirtyData.contains(ino);
    }

    private static long dataIno(Edit e) {
        return switch (e) {
            case Edit.Write w -> w.ino();
            case Edit.Truncate t -> t.ino();
            case Edit.Punch p -> p.ino();
            case Edit.Allocate a -> a.ino();
            case Edit.DropData d -> d.ino();
            default -> -1;
        };
    }

    @Override
    public void write(long ino, long offset, byte[] src, int from, int length) {
        if (length == 0) {
            return;
        }
        byte[] data = java.util.Arrays.copyOfRange(src, from, from + length);
        operation(() -> {
            require(ino, 2);
            InodeItem in = inode(ino);
            long size = Math.max(in.size(), offset + length);
            in.size(size).nbytes(estimateNbytes(in.nbytes(), in.size(), size));
            stageData(new Edit.Write(ino, offset, data), ino, in);
            return null;
        });
    }

    /** What nbytes will be once the server stores the data: inline up to 2048 bytes, else whole sectors. */
    private static long estimateNbytes(long nbytes, long oldSize, long newSize) {
        if (newSize <= 2048 && (nbytes == oldSize)) {
            return newSize;
        }
        return Math.max(nbytes, (newSize + 4095) / 4096 * 4096);
    }

    @Override
    public void truncate(long ino, long newSize) {
        operation(() -> {
            require(ino, 2);
            InodeItem in = inode(ino);
            long nb = newSize <= 2048 && in.nbytes() <= 2048 ? Math.min(in.nbytes(), newSize)
                    : Math.min(in.nbytes(), (newSize + 4095) / 4096 * 4096);
            in.size(newSize).nbytes(nb);
            stageData(new Edit.Truncate(ino, newSize), ino, in);
            return null;
        });
    }

    @Override
    public void punchHole(long ino, long offset, long length) {
        operation(() -> {
            require(ino, 2);
            stageData(new Edit.Punch(ino, offset, length), ino, null);
            return null;
        });
    }

    @Override
    public void allocate(long ino, long offset, long length, boolean keepSize) {
        operation(() -> {
            require(ino, 2);
            InodeItem in = inode(ino);
            if (!keepSize && offset + length > in.size()) {
                in.size(offset + length);
            }
            in.nbytes(Math.max(in.nbytes(), (in.size() + 4095) / 4096 * 4096));
            stageData(new Edit.Allocate(ino, offset, length, keepSize), ino, in);
            return null;
        });
    }

    @Override
    public void dropData(long ino) {
        operation(() -> {
            require(ino, 2);
            byte[] v = value(new Key(ino, ItemType.INODE_ITEM, 0));
            InodeItem in = v == null ? null : new InodeItem(v.clone()).nbytes(0);
            stageData(new Edit.DropData(ino), ino, in);
            return null;
        });
    }

    /** stat of an inode with unsent data edits: send them, so nbytes is the server's, not our estimate. */
    @Override
    public boolean settle(long ino) {
        return operation(() -> {
            require(ino, 1);
            if (!hasDirtyData(ino)) {
                return false;
            }
            flushLocked();
            return true;
        });
    }

    @Override
    public long seekData(long ino, long offset) {
        return seek(ino, offset, 3);
    }

    @Override
    public long seekHole(long ino, long offset) {
        return seek(ino, offset, 4);
    }

    private long seek(long ino, long offset, int what) {
        return operation(() -> {
            require(ino, 1);
            if (hasDirtyData(ino)) {
                flushLocked();
            }
            return ((Message.SeekResult) call(new Message.Seek(ino, offset, what))).offset();
        });
    }

    @Override
    public long allocateInode() {
        return operation(() -> {
            if (inoLeft == 0) {
                Message.Inodes r = (Message.Inodes) call(new Message.AllocInodes(INODE_BATCH));
                nextIno = r.first();
                inoLeft = r.count();
            }
            if (!grants.covers(Key.first(nextIno), 2)) {
                claimUnused();
            }
            inoLeft--;
            return nextIno++;
        });
    }

    /**
     * WRITE over all our not yet used inode numbers, so creating files costs no round trips. Nobody
     * else can hold a grant on numbers no directory names, so it is granted at once. A grant of
     * ours that overlaps (the same range, downgraded by a revoke) is released first: the grants a
     * client holds never overlap.
     */
    private void claimUnused() {
        Key min = Key.first(nextIno);
        Key max = Key.last(nextIno + inoLeft - 1);
        for (Grants.Held h : grants.all()) {
            if (h.max().compareTo(min) >= 0 && h.min().compareTo(max) <= 0) {
                flushLocked();
                call(new Message.Release(h.id(), 0));
                forget(h);
            }
        }
        install((Message.Granted) call(new Message.Acquire(ObjectIds.FS_TREE, min, max, 2)));
    }

    @Override
    public long transid() {
        return session.transid;
    }

    @Override
    public SpaceInfo space() {
        Message.Space s = (Message.Space) call(new Message.StatFs());
        return new SpaceInfo(s.total(), s.free(), s.blockSize(), 0, 0);
    }

    @Override
    public void sync() {
        lock.lock();
        try {
            try {
                flushLocked();
            } catch (StoreException e) {
                if (e != lastNoted) {
                    throw e;
                }
                // the edits the server refused are recorded (lostEdits): each open file of theirs
                // is told at its fsync or close; what remains still has to become durable
            }
            call(new Message.Fsync());
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ batches and revokes

    /** Sends the dirty batch and waits until the server has applied every batch sent. Caller holds the lock. */
    private void flushLocked() {
        sendLocked();
        while (!inFlight.isEmpty()) {
            reapOldest();
        }
        dirtyData.clear();
    }

    /** Sends the dirty batch without waiting, once fewer than {@link #MAX_IN_FLIGHT} are unanswered. */
    private void sendLocked() {
        reapAnswered();
        if (dirty.isEmpty()) {
            return;
        }
        Connection c = session.connection();
        int parts = freeSplit > 0 ? 2 : 1;
        // the server applies what one connection carries in order; batches still out on an older
        // connection (lost, to be sent again by reapOldest) go first, or this one would overtake them
        while (inFlight.size() > MAX_IN_FLIGHT - parts || !inFlight.isEmpty() && inFlight.peekFirst().conn() != c) {
            reapOldest();
            c = session.connection();
        }
        List<Edit> edits = new ArrayList<>(dirty);
        int[] ends = dirtyOpEnds.toArray();
        int split = freeSplit;
        dirty.clear();
        dirtyOpEnds.clear();
        dirtyBytes = 0;
        dirtyFrees = false;
        freeSplit = -1;
        if (split > 0) { // nothing between here and the last send may fail: the edits are out of dirty
            int at = ends[split - 1];
            send(c, edits.subList(0, at), java.util.Arrays.copyOf(ends, split));
            int[] rest = new int[ends.length - split];
            for (int i = 0; i < rest.length; i++) {
                rest[i] = ends[split + i] - at;
            }
            send(c, edits.subList(at, edits.size()), rest);
        } else {
            send(c, edits, ends);
        }
    }

    private void send(Connection c, List<Edit> edits, int[] opEnds) {
        Message.Batch b = new Message.Batch(new ArrayList<>(edits), opEnds);
        inFlight.addLast(new InFlight(b, c, session.send(c, b)));
    }

    /** Takes the answers that have arrived; when nothing is left unapplied, no inode has pending data. */
    private void reapAnswered() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().reply().isDone()) {
            reapOldest();
        }
        if (inFlight.isEmpty() && dirty.isEmpty()) {
            dirtyData.clear();
        }
    }

    /**
     * Waits for the oldest batch in flight and takes the server's inode items as the truth, except
     * for inodes edited since (their newer state is ours until that batch is answered too).
     */
    private void reapOldest() {
        InFlight f = inFlight.peekFirst();
        Message.Applied a;
        try {
            a = (Message.Applied) session.await(f.batch(), f.reply());
        } catch (RemoteException e) {
            if (e.code() == io.crfs.protocol.ErrorCode.NO_SPACE) {
                spaceShortSince = System.nanoTime();
            }
            // the server refused the batch: what we cached no longer matches it, so forget it all;
            // the writes it held were acknowledged, so fsync and close of their files will say so
            StoreException why = new StoreException(kind(e), "crfsd rejected " + pendingEdits() + " unflushed edits (" + e.getMessage()
                    + "); they are lost and the cache was dropped", e);
            noteLost(why, 0);
            dropAll();
            throw why;
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, e.getMessage(), e);
        }
        if (a.refused() > 0) {
            refused(f.batch(), a.refused());
        }
        inFlight.removeFirst();
        session.transid = a.transid();
        if (a.spaceShort()) {
            spaceShortSince = System.nanoTime();
        }
        java.util.Set<Long> later = a.inodes().isEmpty() ? java.util.Set.of() : editedObjectids();
        for (Item it : a.inodes()) {
            if (grants.covers(it.key(), 1) && !later.contains(it.key().objectid())) {
                items.put(it.key(), it.value());
            }
        }
    }

    /**
     * The server had no room for the last {@code refused} operations of batch {@code b} (the
     * oldest in flight) and applied the others. What we cached no longer matches the volume, so
     * it all goes; the refused edits and everything after them are lost, and fsync and close of
     * their files will say so, except the one operation being sent because space is short,
     * which fails itself.
     */
    private void refused(Message.Batch b, int refused) {
        spaceShortSince = System.nanoTime();
        int[] ends = b.opEnds();
        int kept = Math.max(0, ends.length - refused);
        int from = kept == 0 ? 0 : ends[kept - 1];
        int lost = pendingEdits() - from; // b is still the oldest in flight
        StoreException why = new StoreException(StoreException.Kind.NO_SPACE, "crfsd had no room for " + lost
                + " unflushed edits (the last " + refused + " of " + ends.length + " operations of a batch, and "
                + "what followed); they are lost, and the cache was dropped");
        if (lost != syncOp) {
            noteLost(why, from);
        }
        dropAll();
        throw why;
    }

    /** Objectids edited in batches still in flight or not yet sent. */
    private java.util.Set<Long> editedObjectids() {
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (InFlight x : inFlight) {
            x.batch().edits().forEach(e -> out.add(objectid(e)));
        }
        dirty.forEach(e -> out.add(objectid(e)));
        return out;
    }

    private static long objectid(Edit e) {
        return switch (e) {
            case Edit.Put p -> p.key().objectid();
            case Edit.Delete d -> d.key().objectid();
            default -> dataIno(e);
        };
    }

    /** Background flush of batches older than the flush delay. */
    void flushIfOld() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (op == null) {
                if (!dirty.isEmpty() && System.nanoTime() - dirtySince > FLUSH_DELAY_MS * 1_000_000L) {
                    sendLocked();
                }
                reapAnswered();
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RemoteStore.class).warn("background flush failed: {}", e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** REVOKE from the server: flush, drop or downgrade, acknowledge. Runs off the event loop. */
    void revoke(Message.Revoke r) {
        List<long[]> invalid = null;
        lock.lock();
        try {
            Grants.Held h = grants.byId(r.grantId());
            LOG.debug("revoke {} of grant {} to {}: held {}", r.revokeId(), r.grantId(), r.toMode(), h);
            if (h == null && r.grantId() > maxGrantId) {
                // the REVOKE overtook the GRANTED reply: answer once the grant is installed
                early.put(r.grantId(), r);
                return;
            }
            if (h != null) {
                try {
                    flushLocked();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(RemoteStore.class).error("flush for revoke {} failed: {}",
                            r.revokeId(), e.getMessage());
                }
                if (grants.byId(r.grantId()) == null) {
                    h = null; // the failed flush dropped everything
                } else if (r.toMode() == 0) {
                    invalid = forget(h);
                } else {
                    grants.downgrade(h);
                }
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RemoteStore.class).warn("revoke {} failed: {}", r.revokeId(), e.getMessage());
        } finally {
            lock.unlock();
        }
        if (invalid != null) {
            invalid.forEach(r2 -> tell(r2[0], r2[1]));
        }
        session.post(new Message.RevokeDone(r.revokeId()));
    }

    /**
     * Gives back the least recently used grants, down to 7/8 of {@link #maxObjects}: grants of
     * one object with no edits of ours unapplied. Their cache goes, the listeners are told (the
     * kernel must not keep what another client may now change), and the server gets RELEASE
     * without our waiting for it. Lock held, between operations (no attempt holds on to them).
     */
    private void shrinkLocked() {
        shrinkDue = false;
        int excess = grants.size() - maxObjects / 8 * 7;
        if (excess <= 0) {
            return;
        }
        java.util.Set<Long> busy = editedObjectids();
        List<long[]> gone = new ArrayList<>();
        int n = 0;
        for (Grants.Held h : grants.byUse()) {
            long o = h.min().objectid();
            if (n == excess) {
                break;
            }
            if (!h.whole() || busy.contains(o)) {
                continue; // our unused inode numbers, or edits the server has yet to apply
            }
            session.post(new Message.Release(h.id(), 0));
            gone.addAll(forget(h));
            n++;
        }
        LOG.debug("gave back {} of {} grants", n, grants.size() + n);
        gone.forEach(r -> tell(r[0], r[1]));
    }

    /**
     * Forgets a grant we no longer hold, with its cache, except what another grant of ours still
     * covers: a WRITE taken on one object inside our READ over a range (an object made from our
     * unused inode numbers, then edited after another client read it) outlives or predates the
     * range's grant. Returns the objectid ranges [from, to] no longer covered at all, which
     * listeners must be told of. Lock held.
     */
    private List<long[]> forget(Grants.Held h) {
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
        readAhead.drop(a.objectid(), b.objectid());
        gone.add(new long[] {a.objectid(), b.objectid()});
    }

    /** The server ended the session: every grant is gone, so nothing cached may be served any more. */
    void lostSession() {
        lock.lock();
        try {
            int pending = pendingEdits();
            if (pending > 0) {
                noteLost(new StoreException(StoreException.Kind.IO, "the session with crfsd ended before "
                        + pending + " acknowledged edits reached it; they are lost"), 0);
            }
            dropAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Objects (inodes) whose acknowledged edits were dropped: the latest failure for each, and
     * why ({@link #lostEdits}; every open file is told of it once, at fsync or close, as a
     * local file system reports a failed write-back). One entry per object that ever lost edits.
     */
    private final java.util.Map<Long, LostEdits> lostWrites = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    /** The failure {@link #noteLost} recorded last (under the lock): {@link #sync} need not throw it again. */
    private StoreException lastNoted;

    private int pendingEdits() {
        int n = dirty.size();
        for (InFlight x : inFlight) {
            n += x.batch().edits().size();
        }
        return n;
    }

    /** Records a failure for the objects of every edit in flight or unsent, except the oldest batch's first {@code applied}. */
    private void noteLost(StoreException why, int applied) {
        lastNoted = why;
        LostEdits l = new LostEdits(failures.incrementAndGet(), why);
        int skip = applied;
        for (InFlight x : inFlight) {
            List<Edit> edits = x.batch().edits();
            edits.subList(Math.min(skip, edits.size()), edits.size()).forEach(e -> lostWrites.put(objectid(e), l));
            skip = 0;
        }
        dirty.forEach(e -> lostWrites.put(objectid(e), l));
    }

    @Override
    public LostEdits lostEdits(long objectid) {
        return lostWrites.get(objectid);
    }

    /**
     * Forgets every grant, item, page and unsent edit (the server refused a batch, or ended the
     * session) and tells the listeners that everything is invalid. Caller holds the lock; the
     * listeners only queue or notify, they never wait for a grant.
     */
    private void dropAll() {
        inFlight.clear();
        dirty.clear();
        dirtyOpEnds.clear();
        dirtyData.clear();
        dirtyBytes = 0;
        dirtyFrees = false;
        freeSplit = -1;
        items.clear();
        partial.clear();
        pages.clear();
        readAhead.clear();
        grants.clear();
        inoLeft = 0;
        tell(0, Long.MAX_VALUE);
    }

    /** Tells every listener; one that fails must not keep the revoke from being answered. */
    private void tell(long from, long to) {
        for (InvalidationListener l : listeners) {
            try {
                l.invalidated(from, to);
            } catch (RuntimeException e) {
                LOG.warn("invalidation listener failed for objectids {}..{}: {}", Long.toUnsignedString(from),
                        Long.toUnsignedString(to), e.toString());
            }
        }
    }

    private static StoreException.Kind kind(RemoteException e) {
        return switch (e.code()) {
            case NO_SPACE -> StoreException.Kind.NO_SPACE;
            case TOO_BIG -> StoreException.Kind.TOO_BIG;
            case STALE -> StoreException.Kind.STALE;
            default -> StoreException.Kind.IO;
        };
    }

    private Message call(Message m) {
        try {
            return session.call(m);
        } catch (RemoteException e) {
            throw new StoreException(kind(e), e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ introspection

    int grantCount() {
        lock.lock();
        try {
            return grants.size();
        } finally {
            lock.unlock();
        }
    }

    long cachedItems() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    long cachedBytes() {
        return pages.bytes();
    }

    /** A growable list of ints (operation ends), without boxing one per operation. */
    private static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }

        int size() {
            return n;
        }

        void clear() {
            n = 0;
        }
    }
}
