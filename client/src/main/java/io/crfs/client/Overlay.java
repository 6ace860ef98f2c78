package io.crfs.client;

import io.crfs.format.Key;
import io.crfs.protocol.Edit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The staged edits of one attempt of one operation: item values (null = deleted) over the
 * cache, and the edits in order, to become visible and dirty together when the attempt
 * completes, or to be thrown away when it must be retried.
 */
final class Overlay {
    static final byte[] DELETED = new byte[0];
    final TreeMap<Key, byte[]> items = new TreeMap<>();
    final List<Edit> edits = new ArrayList<>();

    /** The staged value, {@link #DELETED}, or null when the attempt did not touch the key. */
    byte[] get(Key k) {
        return items.get(k);
    }

    void put(Key k, byte[] v) {
        items.put(k, v);
        edits.add(new Edit.Put(k, v));
    }

    void delete(Key k) {
        items.put(k, DELETED);
        edits.add(new Edit.Delete(k));
    }

    /** A data edit; {@code inode} is the inode item as the edit leaves it (size, nbytes), or null. */
    void data(Edit e, Key inodeKey, byte[] inode) {
        edits.add(e);
        if (inode != null) {
            items.put(inodeKey, inode);
        }
    }

    java.util.NavigableMap<Key, byte[]> range(Key min, Key max) {
        return items.subMap(min, true, max, true);
    }

    boolean isEmpty() {
        return edits.isEmpty();
    }
}
