package io.crfs.client;

import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemStore.LostEdits;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import io.crfs.protocol.DataBuffers;
import io.crfs.protocol.Edit;
import io.crfs.protocol.Message;
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
 * operation runs again. A read that would wait for file data gives its attempt up the same way
 * ({@link NeedReply}), and an fsync waits for crfsd with no lock held. A completed
 * attempt's edits join the dirty batch, which is sent on sync, on revoke, when large, and within
 * {@link Outbox#FLUSH_DELAY_MS} by a background flusher.
 * Revokes take the same lock, so they never see half an operation.
 *
 * <p>A batch sent because it grew large is not waited for: up to {@link Outbox#MAX_IN_FLIGHT}
 * go out while operations go on (the server applies them in order), so the client and the
 * server work at the same time. Everything that needs the server to have the edits (sync, a
 * revoke, a read of data not yet applied, stat's exact block count) waits for all of them first.
 *
 * <p>This class runs operations. {@link GrantKeeper} acquires, installs and revokes grants,
 * taking this class's lock for what it changes. The parts both use live in helpers that are not
 * thread-safe and run only under the lock: {@link Outbox} (the dirty batch, batches in flight,
 * their answers and the edits lost to a refusal), {@link ItemReads} (lookups and scans, fetching
 * what a grant did not bring), {@link DataReads} (file data, with the READs sent ahead) and
 * {@link Invalidator} (forgetting grants and their cache, telling the listeners).
 */
final class RemoteStore implements ItemStore {
    static final int INODE_BATCH = 1024;
    static final int MAX_ATTEMPTS = 1000;
    /**
     * Times one operation waits for crfsd's data or items with no lock held; after that it waits
     * inside its attempt, so a read whose READs keep being dropped (its file edited here
     * meanwhile) still completes.
     */
    static final int MAX_REPLY_WAITS = 8;

    private final Session session;
    private final ReentrantLock lock = new ReentrantLock();
    private final ItemCache items = new ItemCache();
    private final Grants grants = new Grants();
    /** Granted objects of which only some items are cached yet (big directories): the rest is fetched on use. */
    private final PartialItems partial = new PartialItems();
    private final PageCache pages;
    private final Outbox outbox;
    private final ItemReads itemReads;
    private final DataReads reads;
    private final Invalidator invalidator;
    private final GrantKeeper keeper;
    /** Inodes open here, told to crfsd with each grant given up. */
    private final OpenHere openHere = new OpenHere();
    private Overlay op;
    /**
     * Whether the running attempt's read may give the attempt up to wait for data with no lock
     * held ({@link NeedReply}): only its first read, and only while it has staged no
     * edit, so that a retry repeats nothing but that read's checks.
     */
    private boolean dataWaitOutside;
    /**
     * Whether the running attempt may still give itself up to wait for crfsd with no lock held
     * (fewer than {@link #MAX_REPLY_WAITS} waits so far); a fetch of items does while the attempt
     * has staged no edit and is not inside a read of file data.
     */
    private boolean replyWaitOutside;
    private long nextIno;
    private long inoLeft;
    private long inoMark;
    private long inoLeftMark;

    /** Told (outside any lock) which objectids this client may no longer cache. */
    interface InvalidationListener {
        void invalidated(long fromObjectid, long toObjectid);
    }

    /** Objects cached at most; past that, the least recently used clean ones are given back. */
    private final int maxObjects;

    /** {@code kernelPageCache}: a kernel page cache above keeps what was written and read (see {@link CrfsClient.Options}). */
    RemoteStore(Session session, boolean writeBack, int maxObjects, boolean kernelPageCache) {
        this.session = session;
        this.pages = new PageCache(PageCache.LIMIT, !kernelPageCache);
        this.maxObjects = maxObjects;
        this.outbox = new Outbox(session, grants, items, writeBack, this::dropAllAndRelease);
        this.itemReads = new ItemReads(session, items, partial, outbox);
        // a read looks at its inode's size: that never gives the attempt up (a read must not stop halfway)
        this.reads = new DataReads(session, pages, outbox, ino -> inode(ino, false).size(), kernelPageCache);
        this.invalidator = new Invalidator(session, grants, items, partial, pages, outbox, reads, openHere);
        this.keeper = new GrantKeeper(session, lock, grants, items, partial, outbox, invalidator, openHere, maxObjects);
    }

    void redeliverWith(java.util.function.Consumer<Message.Revoke> r) {
        keeper.redeliverWith(r);
    }

    /** REVOKE from the server: flush, drop or downgrade, acknowledge. Runs off the event loop. */
    void revoke(Message.Revoke r) {
        keeper.revoke(r);
    }

    void addListener(InvalidationListener l) {
        invalidator.addListener(l);
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
        return operation(body, null);
    }

    @Override
    public <T> T operation(Supplier<T> body, java.util.concurrent.locks.Lock callers) {
        // modes this operation needed on each objectid: asking WRITE straight away where an
        // earlier attempt found it needs WRITE avoids a READ-then-WRITE ping-pong under contention
        Map<Long, Integer> wanted = null;
        int replyWaits = 0;
        int yields = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            RuntimeException need = null;
            lock.lock();
            boolean outer = op == null;
            try {
                if (!outer) {
                    return body.get(); // nested: part of the running attempt
                }
                if (attempt == 0 && yields == 0 && keeper.takeShrinkDue()) {
                    // not on a retry: it would give back what the last attempt acquired
                    invalidator.shrink(maxObjects);
                }
                op = new Overlay();
                inoMark = nextIno;
                inoLeftMark = inoLeft;
                replyWaitOutside = replyWaits < MAX_REPLY_WAITS;
                dataWaitOutside = replyWaitOutside;
                T result = body.get();
                publish(op);
                return result;
            } catch (NeedGrant | NeedReply n) {
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
                    dataWaitOutside = false;
                    replyWaitOutside = false;
                    if (need == null) {
                        NoWait.current().armed = false; // done (or failed): what it did must not be done again elsewhere
                    }
                }
                lock.unlock();
            }
            if (callers != null) {
                callers.unlock(); // the caller's other operations need not wait for another client or for data
            }
            try {
                int mode = 0;
                if (need instanceof NeedGrant g) {
                    if (wanted == null) {
                        wanted = new java.util.HashMap<>();
                    }
                    mode = wanted.merge(g.objectid, g.mode, Math::max);
                    if (attempt > 20 && attempt % 20 == 0) {
                        org.slf4j.LoggerFactory.getLogger(RemoteStore.class).debug("attempt {} needs mode {} on {}",
                                attempt, mode, Long.toUnsignedString(g.objectid));
                    }
                }
                NoWait noWait = NoWait.current();
                if (noWait.armed && !waitedBriefly(need, mode, noWait.until)) {
                    noWait.armed = false;
                    throw new CrfsClient.WouldWait(); // its READ, FETCH or ACQUIRE stays on its way for the next try
                }
                if (need instanceof NeedReply d && d.yielded()) {
                    attempt--; // it made progress: another go, not a retry
                    yields++;
                } else if (need instanceof NeedReply d) {
                    // a reply that does not come in time is waited for inside the next attempt, which then fails as a call would
                    replyWaits = noWait.armed || d.await(Session.CALL_TIMEOUT_MS) ? replyWaits + 1 : MAX_REPLY_WAITS;
                } else if (!noWait.armed) {
                    keeper.acquire(((NeedGrant) need).objectid, mode);
                }
            } finally {
                if (callers != null) {
                    callers.lock();
                }
            }
        }
        throw new StoreException(StoreException.Kind.IO, "operation kept losing its grants to other clients after "
                + MAX_ATTEMPTS + " attempts");
    }

    /**
     * For a call that may wait only until {@code until}: waits for what the attempt gave itself
     * up for (a reply, a grant) until then. False if it is not there by then (an ACQUIRE sent
     * goes on); a failed acquire is thrown, as a wait for it would have thrown it.
     */
    private boolean waitedBriefly(RuntimeException need, int mode, long until) {
        long left = until - System.nanoTime();
        if (need instanceof NeedReply d) {
            // a yield: long work with a reply that is there, which only goes on here while time is left
            return d.yielded() ? left > 0 : left > 0 && d.await(left, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        return keeper.acquire(((NeedGrant) need).objectid, mode, Math.max(0, left));
    }

    private void require(long objectid, int mode) {
        if (!grants.covers(Key.first(objectid), mode)) {
            throw new NeedGrant(objectid, mode);
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
                    pages.write(w.ino(), w.offset(), w.data(), w.from(), w.length());
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
                case Edit.Clone c -> {
                    pages.forget(c.dst(), c.dstOff(), c.dstOff() + c.length()); // a read there asks the server, after this edit
                    writes = true;
                }
            }
            itemReads.edited(e);
            long dataIno = outbox.staged(e);
            if (dataIno != -1) {
                reads.drop(dataIno); // a READ ahead of it would predate this edit
            }
        }
        outbox.add(o.edits, writes, frees, grows > 0);
    }

    // ------------------------------------------------------------------ items

    private byte[] value(Key k) {
        return itemReads.value(op, k, itemsOutside());
    }

    /** Whether a fetch of items the running attempt makes now may give the attempt up to wait with no lock held. */
    private boolean itemsOutside() {
        return replyWaitOutside && op.isEmpty();
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
        return itemReads.scan(op, min, max, limit, backward, itemsOutside());
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
        return inode(ino, true);
    }

    /** {@code outside}: whether a fetch of the inode item may give the attempt up ({@link #itemsOutside}). */
    private InodeItem inode(long ino, boolean outside) {
        byte[] v = itemReads.value(op, new Key(ino, ItemType.INODE_ITEM, 0), outside && itemsOutside());
        if (v == null) {
            throw new StoreException(StoreException.Kind.STALE, "inode " + ino + " does not exist");
        }
        return new InodeItem(v.clone());
    }

    private void stageData(Edit e, long ino, InodeItem in) {
        op.data(e, new Key(ino, ItemType.INODE_ITEM, 0), in == null ? null : in.bytes());
    }

    /** Bytes of file data in this client's page cache (tests). */
    long cachedDataBytes() {
        lock.lock();
        try {
            return pages.bytes();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the file readers, giving back the receive buffers their replies are in (the client is closing). */
    void dropReaders() {
        lock.lock();
        try {
            reads.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes the file readers hold in READs ahead and kept runs (tests). */
    long readAheadBytes() {
        lock.lock();
        try {
            return reads.held();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public byte[] read(long ino, long offset, int length) {
        byte[] out = new byte[length];
        readInto(ino, offset, out, 0, length);
        return out;
    }

    @Override
    public void readInto(long ino, long offset, byte[] out, int at, int length) {
        readInto(ino, offset, java.lang.foreign.MemorySegment.ofArray(out).asSlice(at, length), length);
    }

    @Override
    public void readInto(long ino, long offset, java.lang.foreign.MemorySegment out, int length) {
        operation(() -> {
            require(ino, 1);
            boolean outside = dataWaitOutside && op.edits.isEmpty();
            dataWaitOutside = false;
            reads.readInto(ino, offset, out, length, outside);
            return null;
        });
    }

    @Override
    public void write(long ino, long offset, byte[] src, int from, int length) {
        if (length == 0) {
            return;
        }
        // held by the outbox until crfsd has applied it, then reused (DataBuffers: fresh heap
        // pages are what a large write costs most here)
        byte[] data = DataBuffers.take(length);
        System.arraycopy(src, from, data, 0, length);
        operation(() -> {
            require(ino, 2);
            InodeItem in = inode(ino);
            long size = Math.max(in.size(), offset + length);
            in.size(size).nbytes(estimateNbytes(in.nbytes(), in.size(), size));
            stageData(new Edit.Write(ino, offset, data, 0, length), ino, in);
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

    /**
     * A reflink done by crfsd (a CLONE edit, in order with this client's other edits): the
     * destination's cached chunks in the range go, so a read there waits for the edit to be
     * applied and asks crfsd. Needs a WRITE grant on {@code dst} and any grant on {@code src}.
     */
    @Override
    public void cloneRange(long src, long srcOff, long dst, long dstOff, long length) {
        if (length == 0) {
            return;
        }
        operation(() -> {
            require(src, 1);
            require(dst, 2);
            InodeItem in = inode(dst);
            long size = Math.max(in.size(), dstOff + length);
            in.size(size).nbytes(estimateNbytes(in.nbytes(), in.size(), size));
            stageData(new Edit.Clone(src, srcOff, dst, dstOff, length), dst, in);
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
            if (!outbox.hasDirtyData(ino)) {
                return false;
            }
            outbox.flush();
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
            if (outbox.hasDirtyData(ino)) {
                outbox.flush();
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
        List<Grants.Held> overlapping = new ArrayList<>();
        for (Grants.Held h : grants.all()) {
            if (h.max().compareTo(min) >= 0 && h.min().compareTo(max) <= 0) {
                overlapping.add(h);
            }
        }
        if (!overlapping.isEmpty()) {
            // it may cover objects made from these numbers that the kernel caches: told before released
            outbox.flush();
            invalidator.giveBack(overlapping, h -> call(openHere.release(h)));
        }
        keeper.install((Message.Granted) call(new Message.Acquire(ObjectIds.FS_TREE, min, max, 2)));
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
        sync(null);
    }

    /**
     * Sends every edit, waits until crfsd has applied them, then has crfsd commit. Both waits
     * (applying a batch, and the commit: a transaction and a flush of the image to its disk,
     * milliseconds at least) are made with no lock held, so the client's other operations go on
     * meanwhile; what they add after the send is not this sync's to wait for.
     */
    @Override
    public void sync(java.util.concurrent.locks.Lock callers) {
        java.util.concurrent.CompletableFuture<Message> sent;
        lock.lock();
        try {
            sent = outbox.sendAll();
        } catch (StoreException e) {
            noted(e);
            sent = null;
        } finally {
            lock.unlock();
        }
        if (callers != null) {
            callers.unlock();
        }
        try {
            if (sent != null) {
                StoreCalls.awaitQuietly(sent, Session.CALL_TIMEOUT_MS); // if it does not come, flushThrough waits and fails
                lock.lock();
                try {
                    outbox.flushThrough(sent);
                } catch (StoreException e) {
                    noted(e);
                } finally {
                    lock.unlock();
                }
            }
            call(new Message.Fsync());
        } finally {
            if (callers != null) {
                callers.lock();
            }
        }
    }

    /**
     * A failure of a sync's flush: the edits the server refused are recorded (lostEdits) and each
     * open file of theirs is told at its fsync or close, so the sync goes on (what remains still
     * has to become durable); any other failure is thrown.
     */
    private void noted(StoreException e) {
        if (!outbox.isNoted(e)) {
            throw e;
        }
    }

    // ------------------------------------------------------------------ flushes and revokes

    /** Background flush of batches older than the flush delay. */
    void flushIfOld() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (op == null) {
                outbox.sendIfOld();
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RemoteStore.class).warn("background flush failed: {}", e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** The server ended the session: every grant is gone, so nothing cached may be served any more. */
    void lostSession() {
        lock.lock();
        try {
            int pending = outbox.pendingEdits();
            if (pending > 0) {
                outbox.noteLost(new StoreException(StoreException.Kind.IO, "the session with crfsd ended before "
                        + pending + " acknowledged edits reached it; they are lost"), 0);
            }
            dropAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void opened(long ino, boolean open) {
        openHere.opened(ino, open);
    }

    /**
     * Asks for WRITE on the inode first: a grant taken from every other holder comes with what
     * they had open, where a READ's list may still name a client that has since closed it.
     */
    @Override
    public boolean openElsewhere(long ino) {
        require(ino, 2);
        Grants.Held h = grants.covering(Key.first(ino));
        return h != null && h.openElsewhere().contains(ino);
    }

    @Override
    public LostEdits lostEdits(long objectid) {
        return outbox.lostEdits(objectid);
    }

    /**
     * Forgets every grant, item, page and unsent edit (the server refused a batch, or ended the
     * session) and tells the listeners that everything is invalid. Caller holds the lock; the
     * listeners only queue or notify, they never wait for a grant.
     */
    private void dropAll() {
        invalidator.clear();
        itemReads.clear();
        inoLeft = 0;
        invalidator.tell(0, Long.MAX_VALUE);
    }

    /**
     * dropAll while the session goes on (crfsd refused a batch): the grants go back to the server
     * too, once the listeners know. Forgotten here but still ours there, they would draw revokes
     * this client can no longer tell from early ones, and each would wait for our acquires in
     * flight, which may queue behind the very request that waits for the revoke (a full volume
     * shared by two mounts got one evicted that way).
     */
    private void dropAllAndRelease() {
        List<Grants.Held> held = grants.all();
        dropAll();
        for (Grants.Held h : held) {
            session.post(openHere.release(h));
        }
    }

    private Message call(Message m) {
        return StoreCalls.call(session, m);
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
}
