package io.crfs.client;

import io.crfs.client.ReadAhead.Run;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * {@link RemoteStore}'s reads of file data: copies cached chunks out, fetches runs of missing
 * ones in one READ, and keeps the READs sent ahead of sequential readers ({@link ReadAhead}).
 *
 * <p>A read that would wait for the server can instead give up its attempt ({@link NeedReply}):
 * the READ it waits for stays on its way (ahead, or {@link Pending}), the store waits for it
 * with no lock held, and the read runs again and takes it. A READ on its way is dropped, like
 * a READ ahead, when the file's data is edited here or its grant is lost, so what a later
 * attempt takes is never older than what the cache would show.
 *
 * <p>Not thread-safe: the store calls it only with its lock held, inside an operation that holds
 * a READ grant on the file, so no revoke and no edit of ours runs meanwhile.
 */
final class DataReads {
    /** The store's logger: its log lines keep their name (log levels are set by it). */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RemoteStore.class);

    private final Session session;
    private final PageCache pages;
    private final Outbox outbox;
    /** The size of a file as this client sees it (its unsent edits included); throws if there is no such inode. */
    private final java.util.function.LongUnaryOperator fileSize;
    private final ReadAhead readAhead = new ReadAhead();
    /** READs sent for reads that gave up their attempt to wait for them, oldest first. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** READs on their way for reads that wait with no lock held: past this many, the oldest is abandoned. */
    static final int MAX_PENDING = 16;

    /** A READ of chunks [from, to] of {@code ino}, sent for a read that now waits for it with no lock held. */
    private record Pending(long ino, long from, long to, Message.ReadData request, CompletableFuture<Message> reply) {
        boolean holds(long ino, long idx) {
            return this.ino == ino && idx >= from && idx <= to;
        }
    }

    /** Whether chunks a sequential reader has read to their end leave the cache at once ({@link #readOut}). */
    private final boolean useOnce;

    DataReads(Session session, PageCache pages, Outbox outbox, java.util.function.LongUnaryOperator fileSize,
              boolean useOnce) {
        this.useOnce = useOnce;
        this.session = session;
        this.pages = pages;
        this.outbox = outbox;
        this.fileSize = fileSize;
    }

    /**
     * {@code length} bytes of file {@code ino} from {@code offset} into the start of {@code out}
     * (heap or native). With {@code waitOutside}, a read that would wait for the server throws
     * {@link NeedReply} before it copies anything.
     */
    void readInto(long ino, long offset, MemorySegment out, int length, boolean waitOutside) {
        if (waitOutside && length > 0) {
            CompletableFuture<Message> f = awaited(ino, offset, length);
            if (f != null) {
                throw new NeedReply(f);
            }
        }
        int at = 0;
        long end = offset + length;
        long last = (end - 1) / PageCache.CHUNK;
        ReadAhead.Reader reader = useOnce ? readAhead.get(ino) : null; // looked up again only after a miss
        for (long idx = offset / PageCache.CHUNK; idx <= last && length > 0; idx++) {
            long cs = idx * PageCache.CHUNK;
            int within = (int) (Math.max(cs, offset) - cs);
            int n = (int) (Math.min(cs + PageCache.CHUNK, end) - cs) - within;
            int dst = at + (int) (cs + within - offset);
            Run kept = reader != null ? reader.kept(idx) : null;
            if (kept != null) {
                copy(kept, idx, within, out, dst, n);
            } else if (!pages.copyOut(ino, idx, within, out, dst, n)) {
                Fetched f = missed(ino, idx, last);
                try {
                    if (!pages.copyOut(ino, idx, within, out, dst, n)) { // kept, or already dropped: memory is short
                        copy(f.run, idx, within, out, dst, n);
                    }
                } finally {
                    f.done();
                }
                reader = useOnce ? readAhead.get(ino) : null; // missed may have started another
            }
            if (reader != null && (within + n == PageCache.CHUNK || (idx == last && end >= fileSize.applyAsLong(ino)))) {
                readOut(reader, ino, idx);
            }
        }
    }

    /** Bytes [within, within + n) of chunk {@code idx} of {@code r} to {@code out} at {@code dst} (zeros past its data). */
    private static void copy(Run r, long idx, int within, MemorySegment out, int dst, int n) {
        int from = (int) ((idx - r.from()) * PageCache.CHUNK) + within;
        int have = Math.max(0, Math.min(n, r.data().length() - from));
        r.data().copyTo(Math.min(from, r.data().length()), out, dst, have);
        out.asSlice(dst + have, n - have).fill((byte) 0);
    }

    /**
     * What a read of [offset, offset + length) would wait for: the first READ on its way (ahead
     * or pending) that has not come, among those that hold the chunks it lacks; null if it would
     * not wait. If the first chunk it lacks has no READ on its way, the READ the read would send
     * is sent now (pending); a lacking chunk after one that a READ ahead brings is left to the
     * read, since taking that READ may send the next ones ahead.
     */
    private CompletableFuture<Message> awaited(long ino, long offset, int length) {
        long last = (offset + length - 1) / PageCache.CHUNK;
        ReadAhead.Reader r = readAhead.get(ino);
        boolean taking = false; // a chunk before this one comes from a READ that has come
        for (long idx = offset / PageCache.CHUNK; idx <= last; idx++) {
            if ((r != null && r.kept(idx) != null) || pages.has(ino, idx)) {
                continue;
            }
            if (r != null && idx >= r.next && idx < r.end()) {
                for (ReadAhead.Ahead a : r.ahead) { // taken in order: the read would wait for each before
                    if (!a.reply().isDone()) {
                        return a.reply();
                    }
                    if (a.to() >= idx) {
                        idx = a.to();
                        break;
                    }
                }
                taking = true;
                continue;
            }
            Pending p = pendingFor(ino, idx);
            if (p != null) {
                if (!p.reply().isDone()) {
                    return p.reply();
                }
                idx = p.to();
                taking = true;
                continue;
            }
            return taking ? null : sendPending(ino, r, idx, last);
        }
        return null;
    }

    private Pending pendingFor(long ino, long idx) {
        for (Pending p : pending) {
            if (p.holds(ino, idx)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Sends the READ a read lacking chunk {@code idx} (and wanting up to {@code last}) would make,
     * and keeps it pending. The READ must see our edits of the file, as fetch's does: if some are
     * not applied yet, they are sent, and what is returned to wait for is crfsd's answer to them
     * (the next attempt then sends the READ).
     */
    private CompletableFuture<Message> sendPending(long ino, ReadAhead.Reader r, long idx, long last) {
        if (outbox.hasDirtyData(ino)) {
            CompletableFuture<Message> applied = outbox.sendAll();
            if (applied != null && !applied.isDone()) {
                return applied;
            }
            outbox.flush(); // answered: takes the answers
        }
        long to = runEnd(ino, r, idx, last);
        var req = new Message.ReadData(ino, idx * PageCache.CHUNK, (int) ((to - idx + 1) * PageCache.CHUNK));
        CompletableFuture<Message> reply = session.send(req);
        pending.add(new Pending(ino, idx, to, req, reply));
        if (pending.size() > MAX_PENDING) {
            ReplyBytes.discardWhenDone(pending.poll().reply());
        }
        return reply;
    }

    /**
     * The READ for missing chunk {@code idx}: the one pending for it if a read sent it before it
     * waited (taken off the list), else chunks [idx, to] fetched now.
     */
    private Run pendingOrFetch(long ino, long idx, long to) {
        Pending p = pendingFor(ino, idx);
        if (p == null) {
            return fetch(ino, idx, to);
        }
        pending.remove(p);
        try {
            return new Run(p.from(), p.to(), ReplyBytes.of(StoreCalls.await(session, p.request(), p.reply())));
        } catch (RuntimeException e) {
            ReplyBytes.discardWhenDone(p.reply()); // abandoned: a DATA reply that comes later is released
            throw e;
        }
    }

    /**
     * The last chunk of the READ for missing chunk {@code idx}: the run of missing chunks up to
     * {@code last}, or up to {@link ReadAhead#CHUNKS} for a sequential reader.
     */
    private long runEnd(long ino, ReadAhead.Reader r, long idx, long last) {
        boolean sequential = r != null && r.continuesAt(idx);
        long limit = sequential ? Math.max(last, Math.min(idx + ReadAhead.CHUNKS - 1, lastChunk(ino))) : last;
        long to = idx;
        while (to < limit && to - idx < ReadAhead.CHUNKS - 1 && !pages.has(ino, to + 1)) {
            to++;
        }
        return to;
    }

    /**
     * With a kernel page cache above (a FUSE mount), a chunk fetched for a sequential reader is
     * used once: read to its end, it now lives in the kernel's page cache, so it leaves this
     * client at once (its reader's kept run, or the page cache if it was cached before). A large
     * streaming read then takes a few read-aheads' worth of memory instead of pushing every other
     * file out of the cache, and a fresh mount's first large read does not pay for faulting in the
     * whole cache (the kernel zeroes each page on first touch).
     */
    private void readOut(ReadAhead.Reader r, long ino, long idx) {
        if (!r.readOut(idx) && r.isStreamed(idx)) {
            pages.dropChunk(ino, idx);
        }
    }

    /** Forgets the reader of {@code ino}: its data was edited here, and a READ ahead of it would predate that. */
    void drop(long ino) {
        readAhead.drop(ino);
        dropPending(ino, ino);
    }

    /** Forgets the readers of files [from, to] (unsigned): their grant is gone. */
    void drop(long from, long to) {
        readAhead.drop(from, to);
        dropPending(from, to);
    }

    void clear() {
        readAhead.clear();
        pending.forEach(p -> ReplyBytes.discardWhenDone(p.reply()));
        pending.clear();
    }

    /** Abandons the pending READs of files [from, to] (unsigned): their replies are released when they come. */
    private void dropPending(long from, long to) {
        pending.removeIf(p -> {
            boolean in = Long.compareUnsigned(p.ino(), from) >= 0 && Long.compareUnsigned(p.ino(), to) <= 0;
            if (in) {
                ReplyBytes.discardWhenDone(p.reply());
            }
            return in;
        });
    }

    /** Bytes the readers hold in READs ahead and kept runs ({@link ReadAhead#BUDGET}), and pending READs. */
    long held() {
        long n = readAhead.held();
        for (Pending p : pending) {
            n += p.request().length();
        }
        return n;
    }

    /**
     * A run fetched for a read, and whether the read owns it (else its reader keeps it): the
     * read releases it once it has copied from it.
     */
    private record Fetched(Run run, boolean owned) {
        void done() {
            if (owned) {
                run.data().release();
            }
        }
    }

    /**
     * Chunk {@code idx} is not cached. If READs sent ahead cover it, take them up to the one
     * that holds it; else fetch the run of missing chunks up to {@code last} in one READ (up to
     * {@link ReadAhead#CHUNKS} for a sequential reader). Then, for a reader that goes on, send
     * READs ahead. The kernel's read-ahead READs come on several threads and need not arrive in
     * order: one for chunks behind the reader is served alone and leaves the reader as it was
     * (dropping the READs ahead there once cost a third of a large sequential read again).
     */
    private Fetched missed(long ino, long idx, long last) {
        ReadAhead.Reader r = readAhead.get(ino);
        if (r != null && idx >= r.next && idx < r.end()) {
            Fetched f = takeAhead(ino, r, idx);
            if (f != null) {
                sendAhead(ino, r);
                return f;
            }
        }
        boolean sequential = r != null && r.continuesAt(idx);
        // a late read-ahead READ of the kernel's lands just behind; far behind is a new pass (a
        // file read again from its start), which must not be served READ by READ as "behind"
        boolean behind = r != null && idx < r.next && r.next - idx <= ReadAhead.BEHIND;
        Run run = pendingOrFetch(ino, idx, runEnd(ino, r, idx, last));
        boolean kept = false;
        try {
            if (behind) {
                cache(ino, run);
                return new Fetched(run, true);
            }
            if (!sequential) {
                r = new ReadAhead.Reader();
                readAhead.put(ino, r);
                cache(ino, run);
            }
            r.next = run.to() + 1;
            if (sequential) {
                kept = streamed(ino, r, run);
                sendAhead(ino, r);
            }
            return new Fetched(run, !kept);
        } catch (RuntimeException e) {
            if (!kept) {
                run.data().release();
            }
            throw e;
        }
    }

    /**
     * Waits for the READs ahead of {@code r} up to the one holding chunk {@code idx}, each kept
     * or cached ({@link #streamed}); null if one failed.
     */
    private Fetched takeAhead(long ino, ReadAhead.Reader r, long idx) {
        Fetched got = null;
        while (got == null || got.run.to() < idx) {
            if (got != null) {
                got.done(); // a run before the one wanted: kept, or cached and read no more
            }
            ReadAhead.Ahead a = r.ahead.poll();
            if (a == null) {
                return null; // cannot be: the READs ahead cover idx
            }
            Message reply;
            try {
                reply = session.await(a.request(), a.reply());
            } catch (IOException | RuntimeException e) {
                LOG.debug("read-ahead of inode {} failed ({}); reading now", ino, e.getMessage());
                ReplyBytes.discardWhenDone(a.reply());
                r.abandonAhead();
                return null;
            }
            Run run = new Run(a.from(), a.to(), ReplyBytes.of(reply));
            r.next = a.to() + 1;
            try {
                got = new Fetched(run, !streamed(ino, r, run));
            } catch (RuntimeException e) {
                run.data().release(); // not kept: streamed keeps a run last
                throw e;
            }
        }
        return got;
    }

    private long lastChunk(long ino) {
        return (fileSize.applyAsLong(ino) - 1) / PageCache.CHUNK;
    }

    /**
     * Sends READs, without waiting, for the chunks after {@code r}'s until {@link ReadAhead#DEPTH}
     * are out (not past end of file, and within {@link ReadAhead#BUDGET}).
     */
    private void sendAhead(long ino, ReadAhead.Reader r) {
        if (outbox.hasDirtyData(ino)) {
            r.abandonAhead();
            return;
        }
        long end = lastChunk(ino);
        for (long from = r.end(); r.ahead.size() < ReadAhead.DEPTH && from <= end && !pages.has(ino, from); from = r.end()) {
            long to = Math.min(from + ReadAhead.CHUNKS - 1, end);
            var req = new Message.ReadData(ino, from * PageCache.CHUNK, (int) ((to - from + 1) * PageCache.CHUNK));
            if (!readAhead.makeRoom(r, req.length())) {
                return; // the budget is taken by readers in use: this one fetches as it goes
            }
            r.ahead.add(new ReadAhead.Ahead(from, to, req, session.send(req)));
        }
    }

    /** Fetches chunks [from, to] of the file in one READ. */
    private Run fetch(long ino, long from, long to) {
        if (outbox.hasDirtyData(ino)) {
            outbox.flush();
        }
        int len = (int) ((to - from + 1) * PageCache.CHUNK);
        return new Run(from, to, ReplyBytes.of(StoreCalls.call(session, new Message.ReadData(ino, from * PageCache.CHUNK, len))));
    }

    /**
     * A run fetched for sequential reader {@code r}. Under a kernel page cache the reader keeps
     * it until each chunk has been read once (copying it into the page cache first would be one
     * more pass over every byte, only to drop it again); else, or when the readers' budget is
     * taken, it is cached (and under a kernel page cache still dropped chunk by chunk as read).
     */
    private boolean streamed(long ino, ReadAhead.Reader r, Run run) {
        r.streamed(run.from(), run.to());
        if (useOnce && readAhead.makeRoom(r, run.data().length() - r.keepFrees())) {
            r.keep(run);
            return true;
        }
        cache(ino, run);
        return false;
    }

    /** Copies {@code run}'s chunks into the page cache (the caller still owns it). */
    private void cache(long ino, Run run) {
        ReplyBytes all = run.data();
        for (long idx = run.from(); idx <= run.to(); idx++) {
            int at = (int) ((idx - run.from()) * PageCache.CHUNK);
            pages.put(ino, idx, all, Math.min(at, all.length()), Math.max(0, Math.min(PageCache.CHUNK, all.length() - at)));
        }
    }
}
