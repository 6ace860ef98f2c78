package io.crfs.client;

import io.crfs.format.Item;
import io.crfs.format.ItemStore.LostEdits;
import io.crfs.format.StoreException;
import io.crfs.protocol.DataBuffers;
import io.crfs.protocol.Edit;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RemoteStore}'s outgoing edits: the dirty batch that completed operations join, the
 * batches sent and not yet answered, and the objects whose acknowledged edits were lost. It
 * decides when a batch goes out (at once without write-back or while space is short, when large,
 * when old) and takes the server's answers, dropping everything cached when the server refuses.
 *
 * <p>Not thread-safe: the store calls it only with its lock held, so an operation, a revoke and
 * the background flusher never see it half changed. {@link #lostEdits} alone may be called
 * without the lock.
 */
final class Outbox {
    static final long FLUSH_DELAY_MS = 500;
    static final int FLUSH_EDITS = 4096;
    static final long FLUSH_BYTES = 8L << 20;
    static final int MAX_IN_FLIGHT = 2;
    /**
     * For this long after the server refused edits for lack of space or said it is short of it,
     * operations that add items or data are sent at once and wait for the answer, so that the
     * one that does not fit fails itself with ENOSPC (as on a local disk) instead of being
     * dropped with its batch.
     */
    static final long SPACE_SHORT_NANOS = 5_000_000_000L;

    private final Session session;
    private final Grants grants;
    private final ItemCache items;
    private final boolean writeBack;
    /**
     * Forgets every grant, item, page and unsent edit: {@link RemoteStore}'s dropAll, which
     * clears this too ({@link #clear}). Run when the server refuses a batch.
     */
    private final Runnable dropAll;

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

    /** The most bytes one joined WRITE collects (the dirty batch goes at {@link #FLUSH_BYTES} anyway). */
    static final int JOIN_MAX = 8 << 20;
    /** The most files whose last dirty write later writes may join (each holds at most {@link #JOIN_MAX} bytes). */
    static final int JOINABLE_MAX = 64;

    /**
     * By inode, the dirty operation that later writes continuing it may join: a WRITE and the PUT
     * of the inode's item, the last dirty operation that touches that inode. Its bytes gather
     * here until the batch goes. A file written sequentially in small pieces so becomes one
     * WRITE, and one extent on the server, per batch instead of one per write(2) (head(1) writing
     * 256 MiB 4 KiB at a time left 65,536 extents), as btrfs's own page cache gathers writes
     * before it allocates; several files written at once each join their own.
     */
    private final java.util.Map<Long, Joined> joinable = new java.util.HashMap<>();

    private static final class Joined {
        /** The WRITE's index in {@link #dirty}; the inode item's PUT follows it. */
        final int at;
        final Edit.Write first;
        /**
         * The writes that joined, in order, copied into one array only when the batch goes:
         * gathering them in a growing array had allocated (and the kernel zeroed) about four
         * times the data in large arrays, a fresh mount's first large write's largest cost.
         */
        final List<Edit.Write> more = new ArrayList<>();
        int len;

        Joined(int at, Edit.Write first) {
            this.at = at;
            this.first = first;
            this.len = first.length();
        }

        long end() {
            return first.offset() + len;
        }

        void append(Edit.Write w) {
            more.add(w);
            len += w.length();
        }

        /** The joined WRITE; the pieces' arrays go back to {@link DataBuffers} (only this held them). */
        Edit.Write write() {
            if (more.isEmpty()) {
                return first;
            }
            byte[] all = DataBuffers.take(len);
            int at = moveInto(first, all, 0);
            for (Edit.Write w : more) {
                at = moveInto(w, all, at);
            }
            return new Edit.Write(first.ino(), first.offset(), all, 0, len);
        }

        /** Copies a piece's bytes to {@code all} at {@code at}, gives its array back; returns where the next goes. */
        private static int moveInto(Edit.Write w, byte[] all, int at) {
            System.arraycopy(w.data(), w.from(), all, at, w.length());
            DataBuffers.give(w.data());
            return at + w.length();
        }
    }

    /**
     * Objects (inodes) whose acknowledged edits were dropped: the latest failure for each, and
     * why ({@link #lostEdits}; every open file is told of it once, at fsync or close, as a
     * local file system reports a failed write-back). One entry per object that ever lost edits.
     */
    private final java.util.Map<Long, LostEdits> lostWrites = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    /** The failure {@link #noteLost} recorded last: the store's sync need not throw it again. */
    private StoreException lastNoted;

    Outbox(Session session, Grants grants, ItemCache items, boolean writeBack, Runnable dropAll) {
        this.session = session;
        this.grants = grants;
        this.items = items;
        this.writeBack = writeBack;
        this.dropAll = dropAll;
    }

    // ------------------------------------------------------------------ adding edits

    /** Counts one edit of an operation being published; returns the inode whose data it edits, or -1. */
    long staged(Edit e) {
        long dataIno = dataIno(e);
        if (dataIno != -1) {
            dirtyData.add(dataIno);
        }
        dirtyBytes += e instanceof Edit.Write w ? w.length() : 64;
        return dataIno;
    }

    /**
     * Adds a completed operation's edits (each counted by {@link #staged} first) to the dirty
     * batch, then sends what is due: everything, waiting, without write-back; this operation
     * alone, waiting, if it {@code writes} or {@code grows} while space is short; the batch
     * without waiting once it is large.
     */
    void add(List<Edit> edits, boolean writes, boolean frees, boolean grows) {
        boolean spaceShort = System.nanoTime() - spaceShortSince < SPACE_SHORT_NANOS;
        Edit.Write w = joinableWrite(edits);
        boolean joins = writeBack && !spaceShort;
        if (joins && w != null && join(w, (Edit.Put) edits.get(1))) {
            if (dirtyBytes >= FLUSH_BYTES) {
                send();
            }
            return;
        }
        if (dirty.isEmpty()) {
            dirtySince = System.nanoTime();
        }
        if (writes && dirtyFrees && freeSplit < 0) {
            freeSplit = dirtyOpEnds.size(); // the operations before this one go first
        }
        dirtyFrees |= frees;
        notJoinable(edits, frees);
        if (joins && w != null && joinable.size() < JOINABLE_MAX) {
            joinable.put(w.ino(), new Joined(dirty.size(), w));
        }
        dirty.addAll(edits);
        if (!edits.isEmpty()) {
            dirtyOpEnds.add(dirty.size());
        }
        if (!writeBack) {
            flush();
        } else if ((writes || grows) && spaceShort) {
            // near full, an operation that needs space learns at once whether it fit: if not, it
            // fails itself, and is not reported again as lost
            syncOp = edits.size();
            try {
                flush();
            } finally {
                syncOp = 0;
            }
        } else if (dirty.size() >= FLUSH_EDITS || dirtyBytes >= FLUSH_BYTES) {
            send();
        }
    }

    /** The WRITE of an operation that is a WRITE and the PUT of that inode's item, or null. */
    private static Edit.Write joinableWrite(List<Edit> edits) {
        return edits.size() == 2 && edits.get(0) instanceof Edit.Write w && edits.get(1) instanceof Edit.Put p
                && p.key().objectid() == w.ino() && p.key().type() == io.crfs.format.ItemType.INODE_ITEM ? w : null;
    }

    /**
     * Joins a write to the dirty operation of its file that ends where it starts, if that is still
     * the last to touch the file: the two become one operation, one WRITE with the later item.
     * Operations on other files between them keep their place: the server applies each
     * operation alone, and nothing between read or changed this file. False if it does not fit.
     */
    private boolean join(Edit.Write w, Edit.Put p) {
        Joined j = joinable.get(w.ino());
        if (j == null || j.end() != w.offset() || (long) j.len + w.length() > JOIN_MAX) {
            return false;
        }
        j.append(w);
        dirty.set(j.at + 1, p);
        return true;
    }

    /**
     * Forgets the joinable operations of the files these edits touch (a clone reads its source),
     * and all of them before an operation that frees space: a write joined across it would move
     * ahead of the free that {@link #freeSplit} sends first.
     */
    private void notJoinable(List<Edit> edits, boolean frees) {
        if (joinable.isEmpty()) {
            return;
        }
        if (frees) {
            materialize();
            return;
        }
        for (Edit e : edits) {
            forgetJoinable(objectid(e));
            if (e instanceof Edit.Clone c) {
                forgetJoinable(c.src());
            }
        }
    }

    private void forgetJoinable(long ino) {
        Joined j = joinable.remove(ino);
        if (j != null && !j.more.isEmpty()) {
            dirty.set(j.at, j.write());
        }
    }

    /** Puts every joined WRITE in its place in {@link #dirty}, before the batch goes. */
    private void materialize() {
        for (Joined j : joinable.values()) {
            if (!j.more.isEmpty()) {
                dirty.set(j.at, j.write());
            }
        }
        joinable.clear();
    }

    // ------------------------------------------------------------------ what is not applied yet

    /** Whether unsent edits change the file data of {@code ino} (stat and reads then need them sent first). */
    boolean hasDirtyData(long ino) {
        return dirtyData.contains(ino);
    }

    /** Every edit the server may not have applied yet: the unsent ones, then those in flight. */
    void forEachUnapplied(java.util.function.Consumer<Edit> each) {
        dirty.forEach(each);
        for (InFlight x : inFlight) {
            x.batch().edits().forEach(each);
        }
    }

    /** Objectids edited in batches still in flight or not yet sent. */
    java.util.Set<Long> editedObjectids() {
        java.util.Set<Long> out = new java.util.HashSet<>();
        forEachUnapplied(e -> out.add(objectid(e)));
        return out;
    }

    int pendingEdits() {
        int n = dirty.size();
        for (InFlight x : inFlight) {
            n += x.batch().edits().size();
        }
        return n;
    }

    static long dataIno(Edit e) {
        return switch (e) {
            case Edit.Write w -> w.ino();
            case Edit.Truncate t -> t.ino();
            case Edit.Punch p -> p.ino();
            case Edit.Allocate a -> a.ino();
            case Edit.DropData d -> d.ino();
            case Edit.Clone c -> c.dst();
            default -> -1;
        };
    }

    private static long objectid(Edit e) {
        return switch (e) {
            case Edit.Put p -> p.key().objectid();
            case Edit.Delete d -> d.key().objectid();
            default -> dataIno(e);
        };
    }

    // ------------------------------------------------------------------ sending and answers

    /** Sends the dirty batch and waits until the server has applied every batch sent. */
    void flush() {
        flushThrough(sendAll());
    }

    /**
     * Sends the dirty batch, as {@link #send}, and returns the answer of the newest batch in
     * flight (null if none is): once it has come, every batch sent so far has been applied, and
     * {@link #flushThrough} takes their answers without waiting.
     */
    java.util.concurrent.CompletableFuture<Message> sendAll() {
        send();
        InFlight last = inFlight.peekLast();
        return last == null ? null : last.reply();
    }

    /**
     * Takes the answers of the batches in flight up to the one {@code reply} answers (null: none
     * is out), waiting where one has not come; with nothing left unapplied, no inode has pending data.
     */
    void flushThrough(java.util.concurrent.CompletableFuture<Message> reply) {
        if (inFlight.stream().anyMatch(f -> f.reply() == reply)) { // else it was taken already
            InFlight head;
            do {
                head = inFlight.peekFirst();
                reapOldest();
            } while (head.reply() != reply);
        }
        reapAnswered();
    }

    /** Background flush: sends the dirty batch if older than the flush delay, and takes the answers that have arrived. */
    void sendIfOld() {
        if (!dirty.isEmpty() && System.nanoTime() - dirtySince > FLUSH_DELAY_MS * 1_000_000L) {
            send();
        }
        reapAnswered();
    }

    /** Sends the dirty batch without waiting, once fewer than {@link #MAX_IN_FLIGHT} are unanswered. */
    void send() {
        reapAnswered();
        if (dirty.isEmpty()) {
            return;
        }
        materialize();
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
            sendBatch(c, edits.subList(0, at), java.util.Arrays.copyOf(ends, split));
            int[] rest = new int[ends.length - split];
            for (int i = 0; i < rest.length; i++) {
                rest[i] = ends[split + i] - at;
            }
            sendBatch(c, edits.subList(at, edits.size()), rest);
        } else {
            sendBatch(c, edits, ends);
        }
    }

    private void sendBatch(Connection c, List<Edit> edits, int[] opEnds) {
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
            StoreException why = new StoreException(StoreCalls.kind(e), "crfsd rejected " + pendingEdits()
                    + " unflushed edits (" + e.getMessage() + "); they are lost and the cache was dropped", e);
            noteLost(why, 0);
            dropAll.run();
            throw why;
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, e.getMessage(), e);
        }
        if (a.refused() > 0) {
            refused(f.batch(), a.refused());
        }
        inFlight.removeFirst();
        giveBack(f.batch());
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

    /** crfsd applied {@code b}: its WRITE data arrays are read no more (a lost connection's resend is over too). */
    private static void giveBack(Message.Batch b) {
        for (Edit e : b.edits()) {
            if (e instanceof Edit.Write w) {
                DataBuffers.give(w.data());
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
        dropAll.run();
        throw why;
    }

    /** Forgets every unsent edit and every batch in flight (their answers are no longer awaited). */
    void clear() {
        inFlight.clear();
        joinable.clear();
        dirty.clear();
        dirtyOpEnds.clear();
        dirtyData.clear();
        dirtyBytes = 0;
        dirtyFrees = false;
        freeSplit = -1;
    }

    // ------------------------------------------------------------------ lost edits

    /** Records a failure for the objects of every edit in flight or unsent, except the oldest batch's first {@code applied}. */
    void noteLost(StoreException why, int applied) {
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

    /** Whether {@code e} is the failure {@link #noteLost} recorded last (the files concerned are told of it already). */
    boolean isNoted(StoreException e) {
        return e == lastNoted;
    }

    /** The latest failure that lost acknowledged edits of {@code objectid}, or null. Needs no lock. */
    LostEdits lostEdits(long objectid) {
        return lostWrites.get(objectid);
    }
}
