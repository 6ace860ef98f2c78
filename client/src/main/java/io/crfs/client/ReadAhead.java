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
    /** READs out ahead of one sequential reader. */
    static final int DEPTH = 3;
    private static final int MAX_FILES = 4096;

    /** A READ of chunks [from, to] sent and not taken yet. */
    record Ahead(long from, long to, Message.ReadData request, CompletableFuture<Message> reply) {}

    /** A file being read: the chunk after the last one fetched, and the READs sent for the chunks from there on. */
    static final class Reader {
        long next;
        final ArrayDeque<Ahead> ahead = new ArrayDeque<>();

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
