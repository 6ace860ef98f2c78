package io.crfs.client;

import io.crfs.format.Key;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Objects whose grant came with only some of their items (a big directory: the server sends the
 * first items of a range with its grant, and the client fetches the rest as it needs them), and
 * which key ranges of each the cache holds whole. An object not listed is held whole while
 * granted. Not thread-safe: {@link RemoteStore} uses it under its lock.
 */
final class PartialItems {
    private static final class Partial {
        final Key min;
        final Key max;
        /** Loaded ranges, start to end (inclusive): disjoint, and none ends right before the next begins. */
        final TreeMap<Key, Key> loaded = new TreeMap<>();
        int fetches;

        Partial(Key min, Key max) {
            this.min = min;
            this.max = max;
        }
    }

    private final Map<Long, Partial> byObject = new HashMap<>();

    /** A fresh grant of [min, max] (one object) came with its items up to {@code loadedTo}. */
    void granted(Key min, Key max, Key loadedTo) {
        byObject.remove(min.objectid());
        if (loadedTo.compareTo(max) < 0) {
            Partial p = new Partial(min, max);
            p.loaded.put(min, loadedTo);
            byObject.put(min.objectid(), p);
        }
    }

    /** The cache of objects {@code from..to} was dropped. */
    void dropped(long from, long to) {
        byObject.keySet().removeIf(o -> Long.compareUnsigned(o, from) >= 0 && Long.compareUnsigned(o, to) <= 0);
    }

    void clear() {
        byObject.clear();
    }

    boolean isPartial(long objectid) {
        return byObject.containsKey(objectid);
    }

    /** Whether the cache holds k's item, or knows there is none. */
    boolean has(Key k) {
        Partial p = byObject.get(k.objectid());
        return p == null || upFrom(p, k) != null;
    }

    /** The last key of the loaded range that holds k, or null. */
    Key loadedUpFrom(Key k) {
        return upFrom(byObject.get(k.objectid()), k);
    }

    /** The first key of the loaded range that holds k, or null. */
    Key loadedDownFrom(Key k) {
        Map.Entry<Key, Key> e = byObject.get(k.objectid()).loaded.floorEntry(k);
        return e != null && e.getValue().compareTo(k) >= 0 ? e.getKey() : null;
    }

    private static Key upFrom(Partial p, Key k) {
        Map.Entry<Key, Key> e = p.loaded.floorEntry(k);
        return e != null && e.getValue().compareTo(k) >= 0 ? e.getValue() : null;
    }

    /** [from, to] of one object is now cached whole; true when that completes the object. */
    boolean loaded(Key from, Key to) {
        Partial p = byObject.get(from.objectid());
        if (p == null) {
            return true;
        }
        Key start = from;
        Key end = to;
        Map.Entry<Key, Key> e = p.loaded.floorEntry(start);
        if (e != null && after(e.getValue()).compareTo(start) >= 0) { // overlaps or touches the range below
            start = e.getKey();
            end = max(end, e.getValue());
        }
        for (Map.Entry<Key, Key> n = p.loaded.ceilingEntry(start); n != null && n.getKey().compareTo(after(end)) <= 0;
                n = p.loaded.ceilingEntry(start)) {
            p.loaded.remove(n.getKey());
            end = max(end, n.getValue());
        }
        p.loaded.put(start, end);
        if (start.compareTo(p.min) <= 0 && end.compareTo(p.max) >= 0) {
            byObject.remove(from.objectid());
            return true;
        }
        return false;
    }

    /**
     * What stands for the object's partial state under its current grant: the same object while
     * the grant lasts, another after the object was dropped and granted again; null if it is held
     * whole. A FETCH answered for one grant must not be taken under another.
     */
    Object generation(long objectid) {
        return byObject.get(objectid);
    }

    /** Counts a fetch for the object; returns how many it has had since its grant. */
    int fetched(long objectid) {
        Partial p = byObject.get(objectid);
        return p == null ? 0 : ++p.fetches;
    }

    /** The first key of the object's grant not yet loaded, or null if none. */
    Key firstGap(long objectid) {
        Partial p = byObject.get(objectid);
        if (p == null) {
            return null;
        }
        Map.Entry<Key, Key> first = p.loaded.firstEntry();
        if (first == null || first.getKey().compareTo(p.min) > 0) {
            return p.min;
        }
        return after(first.getValue());
    }

    /** The last key of the object's grant. */
    Key grantMax(long objectid) {
        return byObject.get(objectid).max;
    }

    private static Key max(Key a, Key b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The key right after k (keys are (objectid, type u8, offset u64), compared unsigned). */
    static Key after(Key k) {
        if (k.offset() != -1L) {
            return new Key(k.objectid(), k.type(), k.offset() + 1);
        }
        if (k.type() < 255) {
            return new Key(k.objectid(), k.type() + 1, 0);
        }
        return new Key(k.objectid() + 1, 0, 0);
    }

    /** The key right before k. */
    static Key before(Key k) {
        if (k.offset() != 0) {
            return new Key(k.objectid(), k.type(), k.offset() - 1);
        }
        if (k.type() > 0) {
            return new Key(k.objectid(), k.type() - 1, -1L);
        }
        return new Key(k.objectid() - 1, 255, -1L);
    }
}
