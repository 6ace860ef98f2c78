package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PartialItems} against a model: a bit per key of a small range of consecutive keys (a
 * grant of those 32 keys), loaded ranges added at random; keys next to each other across item
 * types and objects are checked apart.
 */
class PartialItemsTest {
    private static final long O = 300;
    private static final int KEYS = 32;

    private static Key key(int i) {
        return new Key(O, 96, i);
    }

    @Test
    void loadedRangesMergeAsTheModelSays() {
        long seed = Long.getLong("crfs.seed", new Random().nextLong());
        System.out.println("PartialItemsTest seed " + seed);
        Random r = new Random(seed);
        int n = KEYS;
        Key min = key(0);
        Key max = key(n - 1);
        for (int round = 0; round < 2000; round++) {
            PartialItems p = new PartialItems();
            BitSet model = new BitSet(n);
            int first = r.nextInt(n - 1);
            p.granted(min, max, key(first));
            model.set(0, first + 1);
            while (p.isPartial(O)) {
                String where = "seed " + seed + " round " + round + " model " + model;
                for (int i = 0; i < n; i++) {
                    Key k = key(i);
                    assertThat(p.has(k)).as(where + " has " + k).isEqualTo(model.get(i));
                    int end = model.get(i) ? model.nextClearBit(i) - 1 : -1;
                    int start = model.get(i) ? model.previousClearBit(i) + 1 : -1;
                    assertThat(p.loadedUpFrom(k)).as(where + " up from " + k).isEqualTo(end < 0 ? null : key(end));
                    assertThat(p.loadedDownFrom(k)).as(where + " down from " + k).isEqualTo(start < 0 ? null : key(start));
                }
                int gap = model.nextClearBit(0);
                assertThat(p.firstGap(O)).as(where + " first gap").isEqualTo(key(gap));
                int a = r.nextInt(n);
                int b = Math.min(n - 1, a + r.nextInt(6));
                boolean complete = p.loaded(key(a), key(b));
                model.set(a, b + 1);
                assertThat(complete).as(where + " complete after " + a + ".." + b).isEqualTo(model.cardinality() == n);
            }
            assertThat(model.cardinality()).isEqualTo(n);
            assertThat(p.has(key(r.nextInt(n)))).isTrue();
        }
    }

    @Test
    void keysRightAfterAndBeforeCrossTypesAndObjects() {
        assertThat(PartialItems.after(new Key(5, 84, -1L))).isEqualTo(new Key(5, 85, 0));
        assertThat(PartialItems.after(new Key(5, 255, -1L))).isEqualTo(new Key(6, 0, 0));
        assertThat(PartialItems.before(new Key(5, 85, 0))).isEqualTo(new Key(5, 84, -1L));
        assertThat(PartialItems.before(new Key(6, 0, 0))).isEqualTo(new Key(5, 255, -1L));
        assertThat(PartialItems.after(new Key(5, 96, 7))).isEqualTo(new Key(5, 96, 8));
    }

    @Test
    void aDroppedOrCompleteObjectIsNoLongerPartial() {
        PartialItems p = new PartialItems();
        p.granted(Key.first(O), Key.last(O), new Key(O, 1, 0));
        p.granted(Key.first(O + 1), Key.last(O + 1), Key.last(O + 1)); // all items came with it
        assertThat(p.isPartial(O)).isTrue();
        assertThat(p.isPartial(O + 1)).isFalse();
        assertThat(p.fetched(O)).isEqualTo(1);
        assertThat(p.fetched(O)).isEqualTo(2);
        p.dropped(O, O);
        assertThat(p.isPartial(O)).isFalse();
        assertThat(p.has(new Key(O, 96, 5))).isTrue(); // not partial: the grant's cache is whole (or absent)
    }
}
