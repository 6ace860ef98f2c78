package io.crfs.server;

import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The items a batch would leave: the volume's items with the batch's puts and deletes laid
 * over them. Read-only, for validating a batch before anything of it is applied.
 */
final class OverlayView implements ItemStore {
    static final byte[] DELETED = new byte[0];
    private final ItemStore base;
    final TreeMap<Key, byte[]> over = new TreeMap<>();

    OverlayView(ItemStore base) {
        this.base = base;
    }

    void stage(Key k, byte[] v) {
        over.put(k, v);
    }

    void unstage(Key k) {
        over.put(k, DELETED);
    }

    @Override
    public byte[] get(Key key) {
        byte[] v = over.get(key);
        if (v != null) {
            return v == DELETED ? null : v;
        }
        return base.get(key);
    }

    @Override
    public List<Item> scan(Key min, Key max, int limit) {
        return merged(min, max, limit, false);
    }

    @Override
    public List<Item> scanBackward(Key min, Key max, int limit) {
        return merged(min, max, limit, true);
    }

    private List<Item> merged(Key min, Key max, int limit, boolean backward) {
        java.util.NavigableMap<Key, byte[]> staged = over.subMap(min, true, max, true);
        // each staged entry hides or replaces at most one base item: that many more are enough
        int want = (int) Math.min(Integer.MAX_VALUE, (long) limit + staged.size());
        List<Item> base = backward ? this.base.scanBackward(min, max, want) : this.base.scan(min, max, want);
        TreeMap<Key, byte[]> view = new TreeMap<>();
        for (Item i : base) {
            view.put(i.key(), i.value());
        }
        // base was cut at want items: staged entries beyond its last key are not yet comparable
        Key edge = base.size() < want || base.isEmpty() ? null : base.get(base.size() - 1).key();
        for (Map.Entry<Key, byte[]> e : staged.entrySet()) {
            if (edge != null && (backward ? e.getKey().compareTo(edge) < 0 : e.getKey().compareTo(edge) > 0)) {
                continue;
            }
            if (e.getValue() == DELETED) {
                view.remove(e.getKey());
            } else {
                view.put(e.getKey(), e.getValue());
            }
        }
        List<Item> out = new ArrayList<>();
        for (Map.Entry<Key, byte[]> e : (backward ? view.descendingMap() : view).entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new Item(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static UnsupportedOperationException readOnly() {
        return new UnsupportedOperationException("validation view is read-only");
    }

    // the view only answers item reads; everything else belongs to the real store
    @Override public void put(Key key, byte[] value) { throw readOnly(); }
    @Override public boolean delete(Key key) { throw readOnly(); }
    @Override public byte[] read(long ino, long offset, int length) { throw readOnly(); }
    @Override public void write(long ino, long offset, byte[] data, int from, int length) { throw readOnly(); }
    @Override public void truncate(long ino, long newSize) { throw readOnly(); }
    @Override public void punchHole(long ino, long offset, long length) { throw readOnly(); }
    @Override public void allocate(long ino, long offset, long length, boolean keepSize) { throw readOnly(); }
    @Override public void dropData(long ino) { throw readOnly(); }
    @Override public long seekData(long ino, long offset) { throw readOnly(); }
    @Override public long seekHole(long ino, long offset) { throw readOnly(); }
    @Override public long allocateInode() { throw readOnly(); }
    @Override public long transid() { return base.transid(); }
    @Override public SpaceInfo space() { return base.space(); }
    @Override public void sync() { throw readOnly(); }
}
