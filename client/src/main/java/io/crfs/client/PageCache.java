package io.crfs.client;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * File data cached under READ or WRITE grants, in whole chunks of {@link #CHUNK} bytes (holes
 * and bytes past the end are zeros, as the server reads them). Written bytes patch cached chunks;
 * chunks never cached are simply fetched on the next read.
 */
final class PageCache {
    static final int CHUNK = 64 << 10;
    /** Past this many cached bytes, the least recently used files' chunks are dropped (they are never dirty). */
    static final long LIMIT = Long.getLong("crfs.client.cacheBytes", 512L << 20);
    private final Map<Long, TreeMap<Long, byte[]>> byInode = new java.util.LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    byte[] chunk(long ino, long index) {
        TreeMap<Long, byte[]> m = byInode.get(ino);
        return m == null ? null : m.get(index);
    }

    void put(long ino, long index, byte[] chunk) {
        byte[] old = byInode.computeIfAbsent(ino, k -> new TreeMap<>()).put(index, chunk);
        bytes += chunk.length - (old == null ? 0 : old.length);
        if (bytes > LIMIT) {
            shrink(ino, index);
        }
    }

    /**
     * Memory pressure: drop whole files, least recently used first, then, if the file being read
     * or written is itself larger than the cache, its chunks furthest behind {@code index} (a
     * sequential reader or writer is done with them), then those ahead.
     */
    private void shrink(long keep, long index) {
        Iterator<Map.Entry<Long, TreeMap<Long, byte[]>>> it = byInode.entrySet().iterator();
        while (bytes > LIMIT * 3 / 4 && it.hasNext()) {
            Map.Entry<Long, TreeMap<Long, byte[]>> e = it.next();
            if (e.getKey() == keep) {
                continue;
            }
            for (byte[] c : e.getValue().values()) {
                bytes -= c.length;
            }
            it.remove();
        }
        TreeMap<Long, byte[]> own = byInode.get(keep);
        Iterator<Map.Entry<Long, byte[]>> ci = own == null ? java.util.Collections.emptyIterator() : own.entrySet().iterator();
        while (bytes > LIMIT * 3 / 4 && ci.hasNext()) {
            Map.Entry<Long, byte[]> c = ci.next();
            if (c.getKey() != index) {
                bytes -= c.getValue().length;
                ci.remove();
            }
        }
    }

    /**
     * Applies written bytes to the chunks that are cached, and caches the chunks the write covers
     * whole (what a program just wrote is often read next, and needs no fetch).
     */
    void write(long ino, long offset, byte[] data) {
        long end = offset + data.length;
        for (long idx = offset / CHUNK; idx * CHUNK < end; idx++) {
            TreeMap<Long, byte[]> m = byInode.get(ino);
            byte[] c = m == null ? null : m.get(idx);
            if (c == null) {
                long cs = idx * CHUNK;
                if (cs >= offset && cs + CHUNK <= end) {
                    put(ino, idx, java.util.Arrays.copyOfRange(data, (int) (cs - offset), (int) (cs - offset) + CHUNK));
                }
                continue;
            }
            long cs = idx * CHUNK;
            long s = Math.max(cs, offset), t = Math.min(cs + CHUNK, end);
            System.arraycopy(data, (int) (s - offset), c, (int) (s - cs), (int) (t - s));
        }
    }

    /** Zeros [offset, end) in cached chunks (punch hole, truncate tail). */
    void zero(long ino, long offset, long end) {
        TreeMap<Long, byte[]> m = byInode.get(ino);
        if (m == null || end <= offset) {
            return;
        }
        for (Map.Entry<Long, byte[]> e : m.subMap(offset / CHUNK, true, (end - 1) / CHUNK, true).entrySet()) {
            long cs = e.getKey() * CHUNK;
            long s = Math.max(cs, offset), t = Math.min(cs + CHUNK, end);
            java.util.Arrays.fill(e.getValue(), (int) (s - cs), (int) (t - cs), (byte) 0);
        }
    }

    /** Bytes at and past {@code size} read as zeros after a truncate. */
    void truncate(long ino, long size) {
        TreeMap<Long, byte[]> m = byInode.get(ino);
        if (m == null) {
            return;
        }
        Iterator<Map.Entry<Long, byte[]>> it = m.tailMap((size + CHUNK - 1) / CHUNK, true).entrySet().iterator();
        while (it.hasNext()) {
            bytes -= it.next().getValue().length;
            it.remove();
        }
        zero(ino, size, ((size + CHUNK - 1) / CHUNK) * CHUNK);
    }

    void drop(long ino) {
        TreeMap<Long, byte[]> m = byInode.remove(ino);
        if (m != null) {
            for (byte[] c : m.values()) {
                bytes -= c.length;
            }
        }
    }

    /** Drops every inode in [from, to] (unsigned objectids). */
    void dropRange(long from, long to) {
        Iterator<Map.Entry<Long, TreeMap<Long, byte[]>>> it = byInode.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, TreeMap<Long, byte[]>> e = it.next();
            long ino = e.getKey();
            if (Long.compareUnsigned(ino, from) >= 0 && Long.compareUnsigned(ino, to) <= 0) {
                for (byte[] c : e.getValue().values()) {
                    bytes -= c.length;
                }
                it.remove();
            }
        }
    }

    long bytes() {
        return bytes;
    }

    void clear() {
        byInode.clear();
        bytes = 0;
    }
}
