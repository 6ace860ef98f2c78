package io.crfs.client;

import io.crfs.protocol.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
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
    private static final int MAX_FILES = 4096;

    /** A READ of chunks [from, to] sent and not taken yet. */
    record Ahead(long from, long to, Message.ReadData request, CompletableFuture<Message> reply) {}

    /** Chunks [from, to] fetched for a sequential reader. */
    record Span(long from, long to) {}

    /** Spans of streamed chunks remembered per reader (older ones are forgotten; their chunks age out of the cache). */
    static final int SPANS = 16;

    /**
     * A file being read: the chunk after the last one fetched, the READs sent for the chunks from
     * there on, and the spans fetched for it as a sequential reader (streamed chunks, which are
     * used once: the kernel keeps them in its page cache once read).
     */
    static final class Reader {
        long next;
        final ArrayDeque<Ahead> ahead = new ArrayDeque<>();
        final ArrayDeque<Span> streamed = new ArrayDeque<>();

        void streamed(long from, long to) {
            if (streamed.size() >= SPANS) {
                streamed.poll();
            }
            streamed.add(new Span(from, to));
        }

        boolean isStreamed(long idx) {
            for (Span s : streamed) {
                if (idx >= s.from() && idx <= s.to()) {
                    return true;
                }
            }
            return false;
        }

        /** Where the next READ ahead starts. */
        long end() {
            return ahead.isEmpty() ? next : ahead.peekLast().to() + 1;
        }
    }

    private final Map<Long, Reader> readers = new HashMap<>();

    /** The reader of {@code ino}, or null. */
    Reader get(long ino) {
        return readers.get(ino);
    }

    void put(long ino, Reader r) {
        if (readers.size() >= MAX_FILES) {
            readers.clear();
        }
        readers.put(ino, r);
    }

    void drop(long ino) {
        readers.remove(ino);
    }

    /** Forgets the readers of files [from, to] (unsigned). */
    void drop(long from, long to) {
        readers.keySet().removeIf(ino -> Long.compareUnsigned(ino, from) >= 0 && Long.compareUnsigned(ino, to) <= 0);
    }

    void clear() {
        readers.clear();
    }
}
