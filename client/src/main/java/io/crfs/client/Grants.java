package io.crfs.client;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The grants this client holds, by min key; they never overlap (an upgrade replaces). */
final class Grants {
    record Held(long id, Key min, Key max, int mode) {}

    private final TreeMap<Key, Held> byMin = new TreeMap<>();
    private final java.util.HashMap<Long, Held> byId = new java.util.HashMap<>();

    Held covering(Key k) {
        Map.Entry<Key, Held> e = byMin.floorEntry(k);
        return e != null && k.compareTo(e.getValue().max()) <= 0 ? e.getValue() : null;
    }

    boolean covers(Key k, int mode) {
        Held h = covering(k);
        return h != null && h.mode() >= mode;
    }

    /** Adds a grant, replacing the ones it contains (the server merged them into it). */
    void add(Held h) {
        Iterator<Map.Entry<Key, Held>> it = byMin.subMap(h.min(), true, h.max(), true).entrySet().iterator();
        while (it.hasNext()) {
            Held o = it.next().getValue();
            if (o.max().compareTo(h.max()) <= 0) {
                it.remove();
                byId.remove(o.id());
            }
        }
        Held replaced = byMin.put(h.min(), h);
        if (replaced != null) {
            byId.remove(replaced.id());
        }
        byId.put(h.id(), h);
    }

    Held byId(long id) {
        return byId.get(id);
    }

    void remove(Held h) {
        if (byMin.remove(h.min(), h)) {
            byId.remove(h.id());
        }
    }

    void downgrade(Held h) {
        Held d = new Held(h.id(), h.min(), h.max(), 1);
        byMin.put(h.min(), d);
        byId.put(h.id(), d);
    }

    List<Held> all() {
        return new ArrayList<>(byMin.values());
    }

    int size() {
        return byMin.size();
    }

    void clear() {
        byMin.clear();
        byId.clear();
    }
}
