package io.crfs.client;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The grants this client holds: grants of one whole object, by objectid, and grants of ranges
 * of objects (our unused inode numbers), by min key. Ranges never overlap each other, and an
 * upgrade replaces the grants it contains; but a grant of one object may lie inside a range
 * of ours (a WRITE on an object made from our unused numbers, edited again after another
 * client read it while the range was READ), and {@link #covering} then finds the object's own.
 * Also in order of last use ({@link #covers} counts as use), so the least used can be given back.
 */
final class Grants {
    /** {@code openElsewhere}: inodes of the range other clients had open when it was granted (crfsd's GRANTED). */
    record Held(long id, Key min, Key max, int mode, List<Long> openElsewhere) {
        /** Whether this is the grant of exactly one whole object. */
        boolean whole() {
            return min.equals(Key.first(min.objectid())) && max.equals(Key.last(min.objectid()));
        }
    }

    private final TreeMap<Long, Held> objects = new TreeMap<>(Long::compareUnsigned);
    private final TreeMap<Key, Held> ranges = new TreeMap<>();
    private final java.util.LinkedHashMap<Long, Held> byId = new java.util.LinkedHashMap<>(16, 0.75f, true);

    Held covering(Key k) {
        Held h = objects.get(k.objectid());
        if (h != null) {
            return h;
        }
        Map.Entry<Key, Held> e = ranges.floorEntry(k);
        return e != null && k.compareTo(e.getValue().max()) <= 0 ? e.getValue() : null;
    }

    boolean covers(Key k, int mode) {
        Held h = covering(k);
        if (h == null) {
            return false;
        }
        byId.get(h.id()); // a use: moves it to the recent end
        return h.mode() >= mode;
    }

    /** Adds a grant, replacing the ones it contains (the server merged them into it). */
    void add(Held h) {
        if (h.whole()) {
            Held replaced = objects.put(h.min().objectid(), h);
            if (replaced != null) {
                byId.remove(replaced.id());
            }
        } else {
            for (Iterator<Held> it = objects.subMap(h.min().objectid(), true, h.max().objectid(), true).values().iterator();
                    it.hasNext();) {
                byId.remove(it.next().id());
                it.remove();
            }
            for (Iterator<Held> it = ranges.subMap(h.min(), true, h.max(), true).values().iterator(); it.hasNext();) {
                Held o = it.next();
                if (o.max().compareTo(h.max()) <= 0) {
                    byId.remove(o.id());
                    it.remove();
                }
            }
            Held replaced = ranges.put(h.min(), h);
            if (replaced != null) {
                byId.remove(replaced.id());
            }
        }
        byId.put(h.id(), h);
    }

    Held byId(long id) {
        return byId.get(id);
    }

    void remove(Held h) {
        boolean removed = h.whole() ? objects.remove(h.min().objectid(), h) : ranges.remove(h.min(), h);
        if (removed) {
            byId.remove(h.id());
        }
    }

    void downgrade(Held h) {
        Held d = new Held(h.id(), h.min(), h.max(), 1, h.openElsewhere());
        if (h.whole()) {
            objects.put(h.min().objectid(), d);
        } else {
            ranges.put(h.min(), d);
        }
        byId.put(h.id(), d);
    }

    /** The grants overlapping [min, max], in key order (a copy). */
    List<Held> overlapping(Key min, Key max) {
        List<Held> out = new ArrayList<>(objects.subMap(min.objectid(), true, max.objectid(), true).values());
        Map.Entry<Key, Held> below = ranges.lowerEntry(min);
        if (below != null && below.getValue().max().compareTo(min) >= 0) {
            out.add(below.getValue());
        }
        out.addAll(ranges.subMap(min, true, max, true).values());
        out.sort(Comparator.comparing(Held::min));
        return out;
    }

    /** The grants from least to most recently used (a copy). */
    List<Held> byUse() {
        return new ArrayList<>(byId.values());
    }

    List<Held> all() {
        List<Held> out = new ArrayList<>(ranges.values());
        out.addAll(objects.values());
        return out;
    }

    int size() {
        return byId.size();
    }

    void clear() {
        objects.clear();
        ranges.clear();
        byId.clear();
    }
}
