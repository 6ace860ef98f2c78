package io.crfs.client;

import io.crfs.protocol.Message;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Files being read and the READs sent ahead of their sequential readers. A miss at the chunk
 * after the last one fetched is a sequential reader, and one inside the READs already on their
 * way takes them; the next ones are sent before they are needed, up to {@link #DEPTH} of
 * {@link #CHUNKS} chunks each, so that the server reads, the network carries and this client
 * copies at the same time. A file's readers are forgotten when its data is edited here or its
 * grant is lost (a READ sent before would not show that change). Not thread-safe: the store's
 * lock guards it.
 */
final class ReadAhead {
    /** Chunks per READ (4 MiB). */
    static final int CHUNKS = 64;
    /**
     * How far behind its reader (in chunks) a READ still counts as one of the kernel's read-ahead
     * READs arriving late; further back, the file is being read anew.
     */
    static final int BEHIND = 2 * CHUNKS;
    /** READs out ahead of one sequential reader. */
    static final int DEPTH = 3;
    /** Readers remembered, the least recently used forgotten first (one without READs ahead or kept runs is small). */
    static final int MAX_READERS = 64;
    /**
     * Bytes all readers may hold together in READs ahead and kept runs. A reader at full speed
     * holds up to {@link #DEPTH} READs ahead and {@link #KEPT} runs of 4 MiB each (24 MiB), so this
     * is four of them; past it, a reader sends no more READs ahead and caches what it fetches
     * (bounded by the page cache's own limit) until others give room back.
     */
    static final long BUDGET = Long.getLong("crfs.client.readAheadBytes", 96L << 20);
    /** A reader unused this long gives its READs ahead and kept runs up when another needs the room. */
    static final long IDLE_NANOS = 200_000_000L;

    /** A READ of chunks [from, to] sent and not taken yet. */
    record Ahead(long from, long to, Message.ReadData request, CompletableFuture<Message> reply) {}

    /** File bytes of chunks [from, to], as the server sent them (shorter at end of file). */
    record Run(long from, long to, ReplyBytes data) {
        boolean holds(long idx) {
            return idx >= from && idx <= to;
        }
    }

    /** Runs a reader keeps out of the page cache ({@link Reader#keep}). */
    static final int KEPT = 3;

    /** A kept run and which of its chunks have been read to their end. */
    private static final class Kept {
        final Run run;
        private final java.util.BitSet readOut = new java.util.BitSet();
        private int left;

        Kept(Run run) {
            this.run = run;
            this.left = (int) (run.to() - run.from() + 1);
        }

        /** Chunk {@code idx} was read to its end; true once every chunk of the run has been. */
        boolean readOut(long idx) {
            int i = (int) (idx - run.from());
            if (!readOut.get(i)) {
                readOut.set(i);
                left--;
            }
            return left == 0;
        }
    }

    /**
     * A file being read: the chunk after the last one fetched, the READs sent for the chunks from
     * there on, and the chunks fetched for it as a sequential reader (streamed chunks, which are
     * used once: the kernel keeps them in its page cache once read). A sequential reader's
     * fetches follow each other, so the streamed chunks are one run, [streamedFrom, streamedTo].
     * Under a kernel page cache the last few runs fetched for it are kept here, outside the page
     * cache, until each of their chunks has been read once.
     */
    static final class Reader {
        long next;
        /** When this reader was last used ({@link System#nanoTime}). */
        long usedAt = System.nanoTime();
        final ArrayDeque<Ahead> ahead = new ArrayDeque<>();
        private final ArrayDeque<Kept> kept = new ArrayDeque<>(KEPT);
        private long streamedFrom = -1, streamedTo = -1;

        /**
         * Keeps {@code run}, which this reader now owns, until each of its chunks has been read
         * once (the oldest of {@link #KEPT} goes). A run that goes is read no more: released.
         */
        void keep(Run run) {
            if (kept.size() >= KEPT) {
                kept.poll().run.data().release();
            }
            kept.add(new Kept(run));
        }

        /** Bytes {@link #keep} lets go to make place (the oldest kept run, once {@link #KEPT} are). */
        long keepFrees() {
            return kept.size() >= KEPT ? kept.peek().run.data().length() : 0;
        }

        private Kept holding(long idx) {
            for (Kept k : kept) {
                if (k.run.holds(idx)) {
                    return k;
                }
            }
            return null;
        }

        /** The kept run holding chunk {@code idx}, or null. */
        Run kept(long idx) {
            Kept k = holding(idx);
            return k == null ? null : k.run;
        }

        /**
         * Chunk {@code idx} was read to its end: a kept run all of whose chunks have been goes.
         * Returns whether a kept run holds {@code idx}.
         */
        boolean readOut(long idx) {
            Kept k = holding(idx);
            if (k != null && k.readOut(idx)) {
                kept.remove(k);
                k.run.data().release();
            }
            return k != null;
        }

        /** Chunks [from, to] were fetched for this reader as a sequential reader. */
        void streamed(long from, long to) {
            if (streamedFrom < 0 || from != streamedTo + 1) {
                streamedFrom = from;
            }
            streamedTo = to;
        }

        boolean isStreamed(long idx) {
            return idx >= streamedFrom && idx <= streamedTo && streamedFrom >= 0;
        }

        /** Bytes this reader holds: its kept runs, and its READs ahead at the length asked for. */
        long held() {
            long n = 0;
            for (Kept k : kept) {
                n += k.run.data().length();
            }
            for (Ahead a : ahead) {
                n += a.request().length();
            }
            return n;
        }

        /** Gives up what this reader holds: its kept runs are released, its READs ahead abandoned. */
        void release() {
            for (Kept k; (k = kept.poll()) != null; ) {
                k.run.data().release();
            }
            abandonAhead();
        }

        /** Forgets the READs sent ahead: their replies are released when they come. */
        void abandonAhead() {
            for (Ahead a; (a = ahead.poll()) != null; ) {
                ReplyBytes.discardWhenDone(a.reply());
            }
        }

        /** Whether a miss at chunk {@code idx} is this reader going on: nothing ahead, and at the chunk after its last. */
        boolean continuesAt(long idx) {
            return ahead.isEmpty() && idx == next;
        }

        /** Where the next READ ahead starts. */
        long end() {
            return ahead.isEmpty() ? next : ahead.peekLast().to() + 1;
        }
    }

    /** Readers by inode, least recently used first; a reader forgotten gives up what it holds. */
    private final Map<Long, Reader> readers = new java.util.LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Reader> eldest) {
            if (size() > MAX_READERS) {
                eldest.getValue().release();
                return true;
            }
            return false;
        }
    };

    /** The reader of {@code ino}, or null; counts as a use of it. */
    Reader get(long ino) {
        Reader r = readers.get(ino);
        if (r != null) {
            r.usedAt = System.nanoTime();
        }
        return r;
    }

    void put(long ino, Reader r) {
        r.usedAt = System.nanoTime();
        Reader old = readers.put(ino, r);
        if (old != null && old != r) {
            old.release();
        }
    }

    /** Bytes all readers hold ({@link #BUDGET}). */
    long held() {
        long n = 0;
        for (Reader r : readers.values()) {
            n += r.held();
        }
        return n;
    }

    /**
     * Whether {@code self} may hold {@code bytes} more within {@link #BUDGET}. To make room, the
     * least recently used readers idle for {@link #IDLE_NANOS} give up what they hold (and are
     * forgotten); readers in use keep theirs, so several files read at once share the budget
     * instead of taking each other's READs ahead away.
     */
    boolean makeRoom(Reader self, long bytes) {
        long held = held();
        long now = System.nanoTime();
        for (var it = readers.values().iterator(); it.hasNext() && held + bytes > BUDGET; ) {
            Reader o = it.next(); // least recently used first (iterating is no use)
            long h = o.held();
            if (o != self && h > 0 && now - o.usedAt >= IDLE_NANOS) {
                o.release();
                it.remove();
                held -= h;
            }
        }
        return held + bytes <= BUDGET;
    }

    void drop(long ino) {
        Reader r = readers.remove(ino);
        if (r != null) {
            r.release();
        }
    }

    /** Forgets the readers of files [from, to] (unsigned). */
    void drop(long from, long to) {
        for (var it = readers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (Long.compareUnsigned(e.getKey(), from) >= 0 && Long.compareUnsigned(e.getKey(), to) <= 0) {
                e.getValue().release();
                it.remove();
            }
        }
    }

    void clear() {
        readers.values().forEach(Reader::release);
        readers.clear();
    }
}
