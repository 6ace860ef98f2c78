package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link ItemCache} against one sorted map of every item, with seeded random puts, removes,
 * ranges and clears over objectids that include both ends of the unsigned order (so ranges that
 * wrap as signed numbers are checked), and over spans both narrower and wider than the number
 * of cached objects (the two ways {@link ItemCache} visits the objects of a range).
 */
class ItemCacheTest {
    private static final long[] OBJECTS = {0, 1, 2, 5, 256, 257, 258, 1000, Long.MAX_VALUE, Long.MIN_VALUE, -6, -5, -2, -1};

    private static Key key(Random r) {
        long o = OBJECTS[r.nextInt(OBJECTS.length)];
        int type = r.nextInt(4) == 0 ? r.nextInt(256) : new int[] {1, 12, 84, 96}[r.nextInt(4)];
        long off = r.nextInt(3) == 0 ? -1L - r.nextInt(3) : r.nextInt(8);
        return new Key(o, type, off);
    }

    /** A range: within one object mostly, sometimes whole objects, sometimes across several. */
    private static Key[] range(Random r) {
        Key a = key(r), b = key(r);
        switch (r.nextInt(4)) {
            case 0 -> b = new Key(a.objectid(), b.type(), b.offset());
            case 1 -> {
                a = Key.first(a.objectid());
                b = Key.last(a.objectid());
            }
            default -> { }
        }
        return a.compareTo(b) <= 0 ? new Key[] {a, b} : new Key[] {b, a};
    }

    @Test
    void holdsWhatOneSortedMapWouldHold() {
        long seed = Long.getLong("crfs.seed", new Random().nextLong());
        System.out.println("ItemCacheTest seed " + seed);
        Random r = new Random(seed);
        for (int round = 0; round < 200; round++) {
            ItemCache c = new ItemCache();
            TreeMap<Key, byte[]> model = new TreeMap<>();
            for (int step = 0; step < 400; step++) {
                String where = "seed " + seed + " round " + round + " step " + step;
                int what = r.nextInt(10);
                if (what < 4) {
                    Key k = key(r);
                    byte[] v = {(byte) step};
                    c.put(k, v);
                    model.put(k, v);
                } else if (what < 6) {
                    Key k = key(r);
                    c.remove(k);
                    model.remove(k);
                } else if (what < 8) {
                    Key[] ab = range(r);
                    assertThat(entries(c.range(ab[0], ab[1]))).as(where + " range " + ab[0] + ".." + ab[1])
                        .isEqualTo(entries(model.subMap(ab[0], true, ab[1], true)));
                } else if (what == 8) {
                    Key[] ab = range(r);
                    c.clear(ab[0], ab[1]);
                    model.subMap(ab[0], true, ab[1], true).clear();
                } else {
                    Key[] ab = range(r);
                    int parity = r.nextInt(2);
                    c.removeIf(ab[0], ab[1], k -> (k.offset() & 1) == parity);
                    model.subMap(ab[0], true, ab[1], true).keySet().removeIf(k -> (k.offset() & 1) == parity);
                }
                Key probe = key(r);
                assertThat(c.get(probe)).as(where + " get " + probe).isEqualTo(model.get(probe));
                assertThat(c.size()).as(where + " size").isEqualTo(model.size());
            }
            assertThat(entries(c.range(Key.MIN, Key.MAX))).isEqualTo(entries(model));
        }
    }

    @Test
    void aRangeViewWithinOneObjectSeesLaterEdits() {
        ItemCache c = new ItemCache();
        Key a = new Key(300, 84, 1), b = new Key(300, 84, 9);
        var view = c.range(Key.first(300), Key.last(300));
        assertThat(view).isEmpty();
        c.put(a, new byte[] {1});
        var live = c.range(Key.first(300), Key.last(300));
        c.put(b, new byte[] {2});
        assertThat(live.keySet()).containsExactly(a, b);
    }

    private static List<String> entries(Map<Key, byte[]> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + v[0]));
        return out;
    }
}
