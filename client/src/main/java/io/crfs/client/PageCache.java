package io.crfs.client;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * File data cached under READ or WRITE grants, in whole chunks of {@link #CHUNK} bytes (holes
 * and bytes past the end are zeros, as the server reads them). Written bytes patch cached chunks,
 * and chunks a write covers whole are cached; others are fetched on the next read.
 *
 * <p>Chunks live outside the Java heap, in slabs that are reused once dropped: a cache of
 * hundreds of megabytes of long-lived 64 KiB arrays would otherwise be copied by every young
 * collection and zeroed on every allocation. Slabs are huge-page backed where possible
 * ({@link Slabs}). The owner's lock guards every call.
 */
final class PageCache {
    static final int CHUNK = 64 << 10;
    /** Chunks per slab: 32 MiB, mapped at once and touched as chunks are first used (see {@link Slabs}). */
    private static final int SLAB_CHUNKS = 512;
    /** Past this many cached bytes, the least recently used files' chunks are dropped (they are never dirty). */
    static final long LIMIT = Long.getLong("crfs.client.cacheBytes", 512L << 20);
    private final Map<Long, TreeMap<Long, MemorySegment>> byInode = new java.util.LinkedHashMap<>(64, 0.75f, true);
    private final Arena arena = Arena.ofAuto();
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
    private final long limit;
    private long bytes;

    /** Whether chunks a write covers whole are cached (else writes only patch cached chunks). */
    private final boolean cacheWrites;

    /**
     * {@code limit}: bytes of data kept at most (a few chunks more while one is being added);
     * {@code cacheWrites}: whether written chunks are added to the cache, or only kept up to date.
     */
    PageCache(long limit, boolean cacheWrites) {
        this.limit = limit;
        this.cacheWrites = cacheWrites;
    }

    boolean has(long ino, long index) {
        return segment(ino, index) != null;
    }

    private MemorySegment segment(long ino, long index) {
        TreeMap<Long, MemorySegment> m = byInode.get(ino);
        return m == null ? null : m.get(index);
    }

    /** Copies {@code length} bytes of a cached chunk from {@code from} into {@code dst}; false if not cached. */
    boolean copyOut(long ino, long index, int from, MemorySegment dst, long at, int length) {
        MemorySegment c = segment(ino, index);
        if (c == null) {
            return false;
        }
        MemorySegment.copy(c, from, dst, at, length);
        return true;
    }

    /** Caches chunk {@code index}: {@code length} bytes from {@code src} (at most a chunk), zeros after them. */
    void put(long ino, long index, ReplyBytes src, int srcOffset, int length) {
        MemorySegment c = slot(ino, index);
        src.copyTo(srcOffset, c, 0, length);
        if (length < CHUNK) {
            c.asSlice(length).fill((byte) 0);
        }
        filled(ino, index);
    }

    /** The memory of chunk {@code index}, taken now if it is not cached; {@link #filled} once written. */
    private MemorySegment slot(long ino, long index) {
        TreeMap<Long, MemorySegment> m = byInode.computeIfAbsent(ino, k -> new TreeMap<>());
        MemorySegment c = m.get(index);
        if (c == null) {
            c = take();
            m.put(index, c);
            bytes += CHUNK;
        }
        return c;
    }

    /** Chunk {@code index} was just filled: keeps the cache within its limit, that chunk kept. */
    private void filled(long ino, long index) {
        if (bytes > limit) {
            shrink(ino, index);
        }
    }

    private MemorySegment take() {
        if (free.isEmpty()) {
            MemorySegment slab = Slabs.allocate(arena, (long) SLAB_CHUNKS * CHUNK);
            for (int i = 0; i < SLAB_CHUNKS; i++) {
                free.add(slab.asSlice((long) i * CHUNK, CHUNK));
            }
        }
        return free.poll();
    }

    private void release(MemorySegment c) {
        bytes -= CHUNK;
        free.push(c);
    }

    private void releaseAll(TreeMap<Long, MemorySegment> chunks) {
        chunks.values().forEach(this::release);
    }

    /**
     * Memory pressure: drop whole files, least recently used first, then, if the file being read
     * or written is itself larger than the cache, its chunks furthest behind {@code index} (a
     * sequential reader or writer is done with them), then those ahead.
     */
    private void shrink(long keep, long index) {
        Iterator<Map.Entry<Long, TreeMap<Long, MemorySegment>>> it = byInode.entrySet().iterator();
        while (bytes > limit * 3 / 4 && it.hasNext()) {
            Map.Entry<Long, TreeMap<Long, MemorySegment>> e = it.next();
            if (e.getKey() == keep) {
                continue;
            }
            releaseAll(e.getValue());
            it.remove();
        }
        TreeMap<Long, MemorySegment> own = byInode.get(keep);
        Iterator<Map.Entry<Long, MemorySegment>> ci = own == null ? java.util.Collections.emptyIterator() : own.entrySet().iterator();
        while (bytes > limit * 3 / 4 && ci.hasNext()) {
            Map.Entry<Long, MemorySegment> c = ci.next();
            if (c.getKey() != index) {
                release(c.getValue());
                ci.remove();
            }
        }
    }

    /**
     * Applies written bytes to the chunks that are cached, and, if asked to, caches the chunks the
     * write covers whole (what a program just wrote is often read next, and needs no fetch).
     */
    void write(long ino, long offset, byte[] data, int from, int length) {
        long end = offset + length;
        for (long idx = offset / CHUNK; idx * CHUNK < end; idx++) {
            long cs = idx * CHUNK;
            MemorySegment c = segment(ino, idx);
            boolean added = c == null;
            if (added) {
                if (!cacheWrites || cs < offset || cs + CHUNK > end) {
                    continue; // not cached, and not covered whole
                }
                c = slot(ino, idx);
            }
            long s = Math.max(cs, offset), t = Math.min(cs + CHUNK, end);
            MemorySegment.copy(data, from + (int) (s - offset), c, ValueLayout.JAVA_BYTE, s - cs, (int) (t - s));
            if (added) {
                filled(ino, idx);
            }
        }
    }

    /** Zeros [offset, end) in cached chunks (punch hole, truncate tail). */
    void zero(long ino, long offset, long end) {
        TreeMap<Long, MemorySegment> m = byInode.get(ino);
        if (m == null || end <= offset) {
            return;
        }
        for (Map.Entry<Long, MemorySegment> e : m.subMap(offset / CHUNK, true, (end - 1) / CHUNK, true).entrySet()) {
            long cs = e.getKey() * CHUNK;
            long s = Math.max(cs, offset), t = Math.min(cs + CHUNK, end);
            e.getValue().asSlice(s - cs, t - s).fill((byte) 0);
        }
    }

    /** Bytes at and past {@code size} read as zeros after a truncate. */
    void truncate(long ino, long size) {
        long end = (size + CHUNK - 1) / CHUNK * CHUNK;
        forget(ino, end, Long.MAX_VALUE);
        zero(ino, size, end);
    }

    /** Drops the chunks of {@code ino} that overlap [offset, end): what the server now holds there is newer. */
    void forget(long ino, long offset, long end) {
        TreeMap<Long, MemorySegment> m = byInode.get(ino);
        if (m == null || end <= offset) {
            return;
        }
        Iterator<Map.Entry<Long, MemorySegment>> it = m.subMap(offset / CHUNK, true, (end - 1) / CHUNK, true).entrySet().iterator();
        while (it.hasNext()) {
            release(it.next().getValue());
            it.remove();
        }
    }

    /** Drops chunk {@code index} of {@code ino} if it is cached; its memory is the next one reused. */
    void dropChunk(long ino, long index) {
        TreeMap<Long, MemorySegment> m = byInode.get(ino);
        MemorySegment c = m == null ? null : m.remove(index);
        if (c != null) {
            release(c);
            if (m.isEmpty()) {
                byInode.remove(ino);
            }
        }
    }

    void drop(long ino) {
        TreeMap<Long, MemorySegment> m = byInode.remove(ino);
        if (m != null) {
            releaseAll(m);
        }
    }

    /** Drops every inode in [from, to] (unsigned objectids). */
    void dropRange(long from, long to) {
        Iterator<Map.Entry<Long, TreeMap<Long, MemorySegment>>> it = byInode.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, TreeMap<Long, MemorySegment>> e = it.next();
            long ino = e.getKey();
            if (Long.compareUnsigned(ino, from) >= 0 && Long.compareUnsigned(ino, to) <= 0) {
                releaseAll(e.getValue());
                it.remove();
            }
        }
    }

    long bytes() {
        return bytes;
    }

    void clear() {
        byInode.values().forEach(this::releaseAll);
        byInode.clear();
        bytes = 0;
    }
}
