package io.crfs.client;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The items a client caches, by object: a hash table from objectid to that object's items in
 * key order. Grants, fetches and operations all work within one object (an inode, or the orphan
 * list), so a lookup costs one hash probe and a walk of a small tree, where one tree of every
 * cached item cost some twenty key comparisons, most of them cache misses, once a client held
 * a few hundred thousand items (a third of the CPU time of a create in a big tree).
 * Ranges over several objects (unused inode numbers, dropped ranges) visit the objects in the
 * range, or every cached object if there are fewer of those. Not thread-safe: the client's lock guards it.
 */
final class ItemCache {
    private final HashMap<Long, TreeMap<Key, byte[]>> objects = new HashMap<>();
    private int size;

    byte[] get(Key k) {
        TreeMap<Key, byte[]> m = objects.get(k.objectid());
        return m == null ? null : m.get(k);
    }

    void put(Key k, byte[] value) {
        if (objects.computeIfAbsent(k.objectid(), o -> new TreeMap<>()).put(k, value) == null) {
            size++;
        }
    }

    void remove(Key k) {
        TreeMap<Key, byte[]> m = objects.get(k.objectid());
        if (m != null && m.remove(k) != null) {
            size--;
            if (m.isEmpty()) {
                objects.remove(k.objectid());
            }
        }
    }

    /**
     * The cached items in [min, max], in key order: a view of the object's items when the range
     * lies in one object that has any cached, else a copy (or an empty map).
     */
    NavigableMap<Key, byte[]> range(Key min, Key max) {
        if (min.objectid() == max.objectid()) {
            TreeMap<Key, byte[]> m = objects.get(min.objectid());
            return m == null ? Collections.emptyNavigableMap() : m.subMap(min, true, max, true);
        }
        TreeMap<Key, byte[]> all = new TreeMap<>();
        for (TreeMap<Key, byte[]> m : objectsIn(min.objectid(), max.objectid())) {
            all.putAll(m.subMap(min, true, max, true));
        }
        return all;
    }

    /** Forgets every cached item in [min, max]. */
    void clear(Key min, Key max) {
        removeIf(min, max, k -> true);
    }

    /** Forgets the cached items in [min, max] whose key {@code drop} accepts. */
    void removeIf(Key min, Key max, Predicate<Key> drop) {
        for (TreeMap<Key, byte[]> m : objectsIn(min.objectid(), max.objectid())) {
            long o = m.firstKey().objectid();
            boolean whole = min.compareTo(Key.first(o)) <= 0 && max.compareTo(Key.last(o)) >= 0;
            var in = whole ? m : m.subMap(min, true, max, true);
            int before = m.size();
            in.keySet().removeIf(drop);
            size -= before - m.size();
            if (m.isEmpty()) {
                objects.remove(o);
            }
        }
    }

    /** The cached objects with objectids in [a, b] (unsigned). */
    private List<TreeMap<Key, byte[]>> objectsIn(long a, long b) {
        List<TreeMap<Key, byte[]>> out = new ArrayList<>();
        if (Long.compareUnsigned(a, b) > 0) {
            return out;
        }
        long span = b - a; // unsigned: the number of objectids past a
        if (Long.compareUnsigned(span, objects.size()) < 0) {
            for (long o = a; ; o++) {
                TreeMap<Key, byte[]> m = objects.get(o);
                if (m != null) {
                    out.add(m);
                }
                if (o == b) {
                    break;
                }
            }
        } else {
            for (Iterator<Map.Entry<Long, TreeMap<Key, byte[]>>> it = objects.entrySet().iterator(); it.hasNext();) {
                Map.Entry<Long, TreeMap<Key, byte[]>> e = it.next();
                long o = e.getKey();
                if (Long.compareUnsigned(o, a) >= 0 && Long.compareUnsigned(o, b) <= 0) {
                    out.add(e.getValue());
                }
            }
        }
        return out;
    }

    int size() {
        return size;
    }

    void clear() {
        objects.clear();
        size = 0;
    }
}
