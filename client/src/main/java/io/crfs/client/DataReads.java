package io.crfs.client;

import io.crfs.client.ReadAhead.Run;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * {@link RemoteStore}'s reads of file data: copies cached chunks out, fetches runs of missing
 * ones in one READ, and keeps the READs sent ahead of sequential readers ({@link ReadAhead}).
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

    /** {@code length} bytes of file {@code ino} from {@code offset} into the start of {@code out} (heap or native). */
    void readInto(long ino, long offset, MemorySegment out, int length) {
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
    }

    /** Forgets the readers of files [from, to] (unsigned): their grant is gone. */
    void drop(long from, long to) {
        readAhead.drop(from, to);
    }

    void clear() {
        readAhead.clear();
    }

    /** Bytes the readers hold in READs ahead and kept runs ({@link ReadAhead#BUDGET}). */
    long held() {
        return readAhead.held();
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
        boolean sequential = r != null && r.ahead.isEmpty() && idx == r.next;
        // a late read-ahead READ of the kernel's lands just behind; far behind is a new pass (a
        // file read again from its start), which must not be served READ by READ as "behind"
        boolean behind = r != null && idx < r.next && r.next - idx <= ReadAhead.BEHIND;
        long limit = sequential ? Math.max(last, Math.min(idx + ReadAhead.CHUNKS - 1, lastChunk(ino))) : last;
        long to = idx;
        while (to < limit && to - idx < ReadAhead.CHUNKS - 1 && !pages.has(ino, to + 1)) {
            to++;
        }
        Run run = fetch(ino, idx, to);
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
